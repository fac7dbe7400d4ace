using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Tests.Support;
using ActorNet.Transport.AkkaIo;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>What the akka-io transport cannot do like the sockets transport, and how it says so.</summary>
public sealed class AkkaIoTransportTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public void A_unix_socket_path_is_refused_with_an_error_naming_the_transport()
    {
        var server = Sys.ActorOf(ActorNet.Server.ServerActor.Props(On("akka-io") with { Path = "/tmp/actornet-never.sock" }));
        server.Tell(ServerProtocol.Listen.Instance);
        ExpectMsg<ServerProtocol.ServerError>(e =>
        {
            Assert.Equal("ERR_TRANSPORT_UNSUPPORTED", e.Error.Code);
            Assert.Contains("akka-io", e.Error.Message);
        });
    }

    [Fact]
    public void Without_a_socket_handle_changing_options_on_a_live_connection_is_an_error_naming_the_transport()
    {
        var connection = new AkkaIoConnection(ActorRefs.Nobody, ActorRefs.Nobody, null, null, null, KeepAliveOptions.Disabled, noDelay: false);
        Assert.Null(connection.SetKeepAlive(KeepAliveOptions.Disabled)); // what was applied at accept is fine
        var error = connection.SetKeepAlive(KeepAliveOptions.Disabled with { Enabled = true });
        Assert.Equal("ERR_TRANSPORT_UNSUPPORTED", error?.Code);
        Assert.Contains("akka-io", error!.Message);
        Assert.Equal("ERR_TRANSPORT_UNSUPPORTED", connection.SetNoDelay(true)?.Code);
    }

    // Akka 1.5.74's listener accepts before it handles its own Bound and drops those early accepts as unhandled
    // (the socket is never served). The executable's readiness probe lands in that window; so do these clients.
    [Fact]
    public void Connections_that_arrive_while_Akka_binds_are_served()
    {
        const int Clients = 4;
        for (var round = 0; round < 5; round++)
        {
            var port = FreePort();
            using var stop = new CancellationTokenSource();
            var clients = Enumerable.Range(0, Clients).Select(_ => Task.Run(() => ConnectAsSoonAsListening(port, stop.Token))).ToArray();
            var events = CreateTestProbe();
            var (server, _) = Listen(On("akka-io") with { Port = port }, events: events);
            Assert.True(Task.WaitAll(clients, Loopback.Wait), "the clients did not connect");
            foreach (var client in clients)
            {
                using var socket = client.Result;
                socket.Send("early"u8.ToArray());
                Assert.Equal("early", Encoding.ASCII.GetString(Loopback.ReadExactly(socket, 5)));
            }
            server.Tell(ServerProtocol.ForceClose.Instance, events.Ref);
            events.FishForMessage(m => m is ServerProtocol.Closed, TimeSpan.FromSeconds(10));
            stop.Cancel();
        }
    }

    private static Socket ConnectAsSoonAsListening(int port, CancellationToken stop)
    {
        var deadline = DateTime.UtcNow + Loopback.Wait;
        while (true)
        {
            try
            {
                return Loopback.Connect(port);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused && DateTime.UtcNow < deadline && !stop.IsCancellationRequested)
            {
            }
        }
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    [Fact]
    public void Close_refuses_new_connects_at_once_and_keeps_live_connections_until_they_end()
    {
        var (server, endPoint) = Listen(On("akka-io"));
        using var live = Loopback.Connect(endPoint);
        AwaitLiveCount(server, 1);
        server.Tell(ServerProtocol.Close.Instance);
        ExpectMsg<ServerProtocol.Unbound>();
        // ActorNet owns the listen socket: closing it refuses new connects, and the live connection (Akka.IO's
        // connection actor, a child of ActorNet's acceptor, not of Akka's listener) is not touched.
        var refused = Assert.Throws<SocketException>(() => Loopback.Connect(endPoint).Dispose());
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        live.Send("still here"u8.ToArray());
        Assert.Equal("still here", Encoding.ASCII.GetString(Loopback.ReadExactly(live, 10)));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        live.Shutdown(SocketShutdown.Send);
        Loopback.ExpectEof(live);
        ExpectMsg<ServerProtocol.Closed>();
    }

    // After our FIN the close timeout closes a connection whose peer never sends its own; Akka takes no Close then, so
    // the bridge reads on to the peer's FIN for a few seconds. A peer that keeps sending must not stretch that forever.
    [Fact]
    public void A_peer_that_keeps_sending_after_our_FIN_is_cut_off_once_the_close_grace_is_over()
    {
        var (_, endPoint) = Listen(On("akka-io") with { CloseTimeout = TimeSpan.FromMilliseconds(200) }, () => new EndAtOnce());
        using var peer = Loopback.Connect(endPoint);
        Loopback.ExpectEof(peer); // our FIN
        var cutOff = Stopwatch.StartNew();
        var failed = false;
        while (!failed && cutOff.Elapsed < TimeSpan.FromSeconds(15))
        {
            try
            {
                peer.Send("x"u8.ToArray());
                Thread.Sleep(50); // the peer's pace, not a wait for the server: each send restarts nothing now
            }
            catch (SocketException)
            {
                failed = true; // reset (or EPIPE after it): the server's end is gone
            }
        }
        Assert.True(failed, "the connection was still open 15 s after our FIN while the peer kept sending");
    }

    private sealed class EndAtOnce : IConnectionHandler
    {
        public void OnConnect(ISocket socket) => socket.End();

        public void OnData(ISocket socket, ReadOnlySpan<byte> data)
        {
        }
    }
}
