using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
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
    public void Changing_socket_options_on_a_live_connection_is_an_error_naming_the_transport()
    {
        var connection = new AkkaIoConnection(ActorRefs.Nobody, ActorRefs.Nobody, null, null, KeepAliveOptions.Disabled, noDelay: false);
        Assert.Null(connection.SetKeepAlive(KeepAliveOptions.Disabled)); // what was applied at accept is fine
        var error = connection.SetKeepAlive(KeepAliveOptions.Disabled with { Enabled = true });
        Assert.Equal("ERR_TRANSPORT_UNSUPPORTED", error?.Code);
        Assert.Contains("akka-io", error!.Message);
        Assert.Equal("ERR_TRANSPORT_UNSUPPORTED", connection.SetNoDelay(true)?.Code);
    }

    [Fact]
    public void Close_keeps_live_connections_and_closes_new_ones_at_once_until_drained_because_Unbind_would_reset_them()
    {
        var (server, endPoint) = Listen(On("akka-io"));
        using var live = Loopback.Connect(endPoint);
        AwaitLiveCount(server, 1);
        server.Tell(ServerProtocol.Close.Instance);
        ExpectMsg<ServerProtocol.Unbound>();
        // Akka.IO keeps the listen socket until the drain is over: a new connect succeeds, then sees FIN at once.
        using (var late = Loopback.Connect(endPoint))
            Loopback.ExpectEof(late);
        live.Send("still here"u8.ToArray());
        Assert.Equal("still here", Encoding.ASCII.GetString(Loopback.ReadExactly(live, 10)));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        live.Shutdown(SocketShutdown.Send);
        Loopback.ExpectEof(live);
        ExpectMsg<ServerProtocol.Closed>();
        // Drained: now it unbinds, and connects are refused.
        AwaitAssert(() =>
        {
            var refused = Assert.Throws<SocketException>(() => Loopback.Connect(endPoint).Dispose());
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(50));
    }
}
