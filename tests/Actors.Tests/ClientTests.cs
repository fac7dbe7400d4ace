using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using ActorNet.Connection;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Tests.Support;
using ActorNet.Transport;
using ActorNet.Transport.Sockets;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

public sealed class ClientTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private static ConnectOptions To(EndPoint endPoint) => new() { Host = "127.0.0.1", Port = ((IPEndPoint)endPoint).Port };

    private static string Text(SocketProtocol.Data data) => Encoding.ASCII.GetString(data.Bytes);

    [Fact]
    public void A_client_connects_to_an_ActorNet_server_and_gets_its_echo()
    {
        var (_, endPoint) = Listen(Loopback0);
        var client = Net.Connect(Sys, To(endPoint), new ForwardingHandler(TestActor));
        var connected = ExpectMsg<SocketProtocol.Connected>();
        Assert.Equal(endPoint, connected.RemoteEndPoint);
        client.Tell(new SocketProtocol.Write("hello"u8.ToArray(), Ack: "flushed"));
        ExpectMsg("flushed");
        Assert.Equal("hello", Text(ExpectMsg<SocketProtocol.Data>()));
        client.Tell(SocketProtocol.End.Instance);
        ExpectMsg<SocketProtocol.Ended>();
        ExpectMsg<SocketProtocol.Closed>(c => Assert.False(c.HadError));
    }

    [Fact]
    public void Writes_and_end_made_right_after_connect_go_out_in_order()
    {
        var (_, endPoint) = Listen(Loopback0 with { Handler = "tally" });
        var client = Net.Connect(Sys, To(endPoint), new ForwardingHandler(TestActor));
        client.Tell(new SocketProtocol.Write("abc"u8.ToArray()));
        client.Tell(new SocketProtocol.Write("defg"u8.ToArray()));
        client.Tell(SocketProtocol.End.Instance);
        ExpectMsg<SocketProtocol.Connected>();
        Assert.Equal("7\n", Text(ExpectMsg<SocketProtocol.Data>()));
        ExpectMsg<SocketProtocol.Ended>();
        ExpectMsg<SocketProtocol.Closed>(c => Assert.False(c.HadError));
    }

    [Fact]
    public void While_connecting_writes_and_end_are_queued_until_the_connection_is_up()
    {
        var calls = CreateTestProbe();
        var connector = new ScriptedConnector(calls.Ref);
        var settings = ConnectionSettings.From(Loopback0);
        var client = Sys.ActorOf(SocketActor.ClientProps(connector, new ForwardingHandler(TestActor), settings, 1));
        calls.ExpectMsg("connect");
        client.Tell(new SocketProtocol.Write("ab"u8.ToArray()));
        client.Tell(new SocketProtocol.Write("c"u8.ToArray()));
        client.Tell(SocketProtocol.End.Instance);
        client.Tell(SocketProtocol.GetInfo.Instance);
        ExpectMsg<SocketProtocol.SocketInfo>(i =>
        {
            Assert.Equal("connecting", i.State);
            Assert.Equal(3, i.QueuedBytes);
        });
        calls.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        client.Tell(new TransportSignal.ConnectSucceeded(new ScriptedConnection(calls.Ref)));
        ExpectMsg<SocketProtocol.Connected>();
        calls.ExpectMsg("send-async 3"); // both writes, coalesced, in order
        calls.ExpectMsg("wait-readable");
        client.Tell(new TransportSignal.Sent(3));
        calls.ExpectMsg("shutdown");
    }

    [Fact]
    public void Destroy_while_connecting_cancels_the_attempt()
    {
        var calls = CreateTestProbe();
        var client = Sys.ActorOf(SocketActor.ClientProps(new ScriptedConnector(calls.Ref), new ForwardingHandler(TestActor),
            ConnectionSettings.From(Loopback0), 1));
        Watch(client);
        calls.ExpectMsg("connect");
        client.Tell(SocketProtocol.Destroy.Instance);
        calls.ExpectMsg("cancel");
        ExpectMsg<SocketProtocol.Closed>(c => Assert.False(c.HadError));
        ExpectTerminated(client);
    }

    [Fact]
    public void A_refused_connection_is_ECONNREFUSED_with_address_and_port_then_close_with_error()
    {
        var port = FreePort();
        var client = Net.Connect(Sys, new ConnectOptions { Host = "127.0.0.1", Port = port }, new ForwardingHandler(TestActor));
        Watch(client);
        ExpectMsg<SocketProtocol.ErrorOccurred>(e =>
        {
            Assert.Equal("ECONNREFUSED", e.Error.Code);
            Assert.Equal("connect", e.Error.Syscall);
            Assert.Equal("127.0.0.1", e.Error.Address);
            Assert.Equal(port, e.Error.Port);
            Assert.Equal($"connect ECONNREFUSED: connection refused 127.0.0.1:{port}", e.Error.ToString());
        });
        ExpectMsg<SocketProtocol.Closed>(c => Assert.True(c.HadError));
        ExpectTerminated(client);
    }

    [Fact]
    public void A_connect_to_a_listener_with_a_full_backlog_times_out_with_ETIMEDOUT()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0); // never accepted: once its queue is full, further SYNs are dropped
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var fillers = Enumerable.Range(0, 4).Select(_ => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)).ToList();
        try
        {
            foreach (var filler in fillers) _ = filler.ConnectAsync(IPAddress.Loopback, port);
            var options = new ConnectOptions { Host = "127.0.0.1", Port = port, ConnectTimeout = TimeSpan.FromMilliseconds(500) };
            Net.Connect(Sys, options, new ForwardingHandler(TestActor));
            ExpectMsg<SocketProtocol.ErrorOccurred>(e =>
            {
                Assert.Equal("ETIMEDOUT", e.Error.Code);
                Assert.Equal(port, e.Error.Port);
            }, TimeSpan.FromSeconds(5));
            ExpectMsg<SocketProtocol.Closed>(c => Assert.True(c.HadError));
        }
        finally
        {
            foreach (var filler in fillers) filler.Dispose();
        }
    }

    [Fact]
    public void A_name_that_does_not_resolve_is_ENOTFOUND()
    {
        Net.Connect(Sys, new ConnectOptions { Host = "no-such-host.invalid", Port = 80 }, new ForwardingHandler(TestActor));
        ExpectMsg<SocketProtocol.ErrorOccurred>(e =>
        {
            Assert.Equal("ENOTFOUND", e.Error.Code);
            Assert.Equal("getaddrinfo", e.Error.Syscall);
            Assert.Equal("no-such-host.invalid", e.Error.Address);
        }, TimeSpan.FromSeconds(15));
        ExpectMsg<SocketProtocol.Closed>(c => Assert.True(c.HadError));
    }

    [Fact]
    public void A_host_name_the_resolver_refuses_is_ENOTFOUND_and_the_socket_closes()
    {
        var client = Net.Connect(Sys, new ConnectOptions { Host = new string('a', 300), Port = 80 }, new ForwardingHandler(TestActor));
        Watch(client);
        ExpectMsg<SocketProtocol.ErrorOccurred>(e => Assert.Equal("ENOTFOUND", e.Error.Code));
        ExpectMsg<SocketProtocol.Closed>(c => Assert.True(c.HadError));
        ExpectTerminated(client);
    }

    [Fact]
    public void A_local_port_in_use_is_EADDRINUSE_on_bind()
    {
        var (_, endPoint) = Listen(Loopback0);
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var busy = ((IPEndPoint)occupant.LocalEndpoint).Port;
        Net.Connect(Sys, To(endPoint) with { LocalAddress = "127.0.0.1", LocalPort = busy }, new ForwardingHandler(TestActor));
        ExpectMsg<SocketProtocol.ErrorOccurred>(e =>
        {
            Assert.Equal("EADDRINUSE", e.Error.Code);
            Assert.Equal("bind", e.Error.Syscall);
            Assert.Equal("127.0.0.1", e.Error.Address);
            Assert.Equal(busy, e.Error.Port);
        });
        ExpectMsg<SocketProtocol.Closed>(c => Assert.True(c.HadError));
    }

    [Fact]
    public void A_local_address_and_port_are_bound_before_connecting()
    {
        var (_, endPoint) = Listen(Loopback0, () => new ReportingEcho(TestActor));
        var local = FreePort();
        Net.Connect(Sys, To(endPoint) with { LocalAddress = "127.0.0.1", LocalPort = local }, new ForwardingHandler(TestActor));
        var accepted = FishForMessage<Opened>(_ => true).Socket;
        Assert.Equal(local, ((IPEndPoint)accepted.RemoteEndPoint!).Port);
    }

    [Fact]
    public async Task ConnectAsync_completes_when_connected_and_faults_with_Nodes_error()
    {
        var (_, endPoint) = Listen(Loopback0);
        var socket = await Net.ConnectAsync(Sys, To(endPoint), new ForwardingHandler(TestActor));
        socket.Tell(new SocketProtocol.Write("x"u8.ToArray()));
        await ExpectMsgAsync<SocketProtocol.Connected>();
        Assert.Equal("x", Text(await ExpectMsgAsync<SocketProtocol.Data>()));

        var refused = await Assert.ThrowsAsync<NetException>(() =>
            Net.ConnectAsync(Sys, new ConnectOptions { Host = "127.0.0.1", Port = FreePort() }, new DiscardHandler()));
        Assert.Equal("ECONNREFUSED", refused.Error.Code);
    }

    [Fact]
    public void Bad_options_are_rejected_on_the_callers_thread_naming_the_option()
    {
        var e = Assert.Throws<ArgumentException>(() => Net.Connect(Sys, new ConnectOptions { Port = 0 }, new DiscardHandler()));
        Assert.StartsWith("ConnectOptions.Port: 0 is out of range (1-65535)", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            Net.Connect(Sys, new ConnectOptions { Port = 1, LocalAddress = "not-an-ip" }, new DiscardHandler()));
        Assert.StartsWith("ConnectOptions.LocalAddress", e.Message);
    }

    [Fact]
    public void A_client_connects_over_a_unix_socket()
    {
        var path = Path.Combine(Path.GetTempPath(), $"actornet-{Guid.NewGuid():N}.sock");
        Listen(Loopback0 with { Path = path });
        var client = Net.Connect(Sys, new ConnectOptions { Path = path }, new ForwardingHandler(TestActor));
        ExpectMsg<SocketProtocol.Connected>();
        client.Tell(new SocketProtocol.Write("unix"u8.ToArray()));
        Assert.Equal("unix", Text(ExpectMsg<SocketProtocol.Data>()));
    }

    [Fact]
    public void Keep_alive_and_no_delay_are_set_on_the_client_socket()
    {
        var (_, endPoint) = Listen(Loopback0);
        var keepAlive = new KeepAliveOptions(true, TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(2), 5, TimeSpan.FromSeconds(15));
        Net.Connect(Sys, To(endPoint) with { KeepAlive = keepAlive, NoDelay = true }, new OptionProbe(TestActor));
        var raw = ExpectMsg<Socket>();
        Assert.Equal(1, (int)raw.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive)!);
        Assert.Equal(9, (int)raw.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime)!);
        Assert.Equal(2, (int)raw.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval)!);
        Assert.Equal(5, (int)raw.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount)!);
        Assert.Equal(15_000, SocketTuning.GetUserTimeoutMs(raw));
        Assert.True(raw.NoDelay);
    }

    [Fact]
    public void The_idle_timeout_works_on_a_client_socket()
    {
        var (_, endPoint) = Listen(Loopback0);
        Net.Connect(Sys, To(endPoint) with { IdleTimeout = TimeSpan.FromMilliseconds(200) }, new ForwardingHandler(TestActor));
        ExpectMsg<SocketProtocol.Connected>();
        ExpectMsg<SocketProtocol.TimedOut>(TimeSpan.FromSeconds(3));
    }

    // ---- against Node's own net module ------------------------------------------------------

    [Fact]
    public void Our_FIN_reaches_a_half_open_Node_server_which_answers_then_ends()
    {
        using var node = NodeServer.Start("socket.on('data', () => {}); socket.on('end', () => socket.end('bye'));", allowHalfOpen: true);
        var client = Net.Connect(Sys, To(node.EndPoint), new ForwardingHandler(TestActor));
        ExpectMsg<SocketProtocol.Connected>();
        client.Tell(new SocketProtocol.Write("x"u8.ToArray()));
        client.Tell(SocketProtocol.End.Instance);
        Assert.Equal("bye", Text(ExpectMsg<SocketProtocol.Data>()));
        ExpectMsg<SocketProtocol.Ended>();
        ExpectMsg<SocketProtocol.Closed>(c => Assert.False(c.HadError));
    }

    [Fact]
    public void With_allow_half_open_we_keep_writing_after_Nodes_FIN()
    {
        using var node = NodeServer.Start(
            "socket.end('hello'); socket.on('data', (d) => log('got ' + d)); socket.on('end', () => log('end'));", allowHalfOpen: true);
        var client = Net.Connect(Sys, To(node.EndPoint) with { AllowHalfOpen = true }, new ForwardingHandler(TestActor));
        ExpectMsg<SocketProtocol.Connected>();
        Assert.Equal("hello", Text(ExpectMsg<SocketProtocol.Data>()));
        ExpectMsg<SocketProtocol.Ended>();
        client.Tell(new SocketProtocol.Write("after"u8.ToArray()));
        Assert.Equal("after", node.WaitForLine("LOG got ", TimeSpan.FromSeconds(10)));
        client.Tell(SocketProtocol.End.Instance);
        node.WaitForLine("LOG end", TimeSpan.FromSeconds(10));
        ExpectMsg<SocketProtocol.Closed>(c => Assert.False(c.HadError));
    }

    [Fact]
    public void Without_allow_half_open_we_end_as_soon_as_Node_ends()
    {
        using var node = NodeServer.Start("socket.end('hi'); socket.on('end', () => log('end'));", allowHalfOpen: true);
        Net.Connect(Sys, To(node.EndPoint), new ForwardingHandler(TestActor));
        ExpectMsg<SocketProtocol.Connected>();
        Assert.Equal("hi", Text(ExpectMsg<SocketProtocol.Data>()));
        ExpectMsg<SocketProtocol.Ended>();
        node.WaitForLine("LOG end", TimeSpan.FromSeconds(10));
        ExpectMsg<SocketProtocol.Closed>(c => Assert.False(c.HadError));
    }

    [Fact]
    public void A_Node_server_that_resets_mid_stream_gives_ECONNRESET()
    {
        using var node = NodeServer.Start("socket.on('data', () => socket.resetAndDestroy());");
        var client = Net.Connect(Sys, To(node.EndPoint), new ForwardingHandler(TestActor));
        ExpectMsg<SocketProtocol.Connected>();
        client.Tell(new SocketProtocol.Write("trigger"u8.ToArray()));
        ExpectMsg<SocketProtocol.ErrorOccurred>(e => Assert.Equal("ECONNRESET", e.Error.Code));
        ExpectMsg<SocketProtocol.Closed>(c => Assert.True(c.HadError));
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private sealed class OptionProbe(IActorRef probe) : IConnectionHandler
    {
        public void OnConnect(ISocket socket) => probe.Tell(((SocketsConnection)((SocketActor)socket).Transport).Socket);

        public void OnData(ISocket socket, ReadOnlySpan<byte> data) { }
    }
}
