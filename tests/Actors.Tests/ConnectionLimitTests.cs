using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using ActorNet.Handlers;
using ActorNet.Protocol;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

[Collection(TimingCollection.Name)]
public sealed class ConnectionLimitTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void Max_connections_closes_the_extra_connection_at_once_and_publishes_a_drop(string transport)
    {
        var (server, endPoint) = Listen(On(transport) with { MaxConnections = 1 });
        using var first = Loopback.Connect(endPoint);
        AwaitLiveCount(server, 1);
        using var extra = Loopback.Connect(endPoint);
        var drop = ExpectMsg<ServerProtocol.ConnectionDropped>();
        Assert.Equal(extra.LocalEndPoint, drop.RemoteEndPoint);
        Assert.Equal(1, drop.Live);
        Loopback.ExpectEof(extra);
        // The first connection is unaffected.
        first.Send("ok"u8.ToArray());
        Assert.Equal("ok", Encoding.ASCII.GetString(Loopback.ReadExactly(first, 2)));
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void A_reset_releases_the_slot_for_the_next_connection(string transport)
    {
        var (server, endPoint) = Listen(On(transport) with { MaxConnections = 1 });
        var first = Loopback.Connect(endPoint);
        first.Send("x"u8.ToArray());
        Assert.Equal("x", Encoding.ASCII.GetString(Loopback.ReadExactly(first, 1)));
        Loopback.Reset(first);
        AwaitLiveCount(server, 0);
        using var next = Loopback.Connect(endPoint);
        next.Send("again"u8.ToArray());
        Assert.Equal("again", Encoding.ASCII.GetString(Loopback.ReadExactly(next, 5)));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // no drop was published
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void A_peer_reset_mid_stream_leaves_the_server_serving_others(string transport)
    {
        var (server, endPoint) = Listen(On(transport), () => new ReportingEcho(TestActor));
        var victim = Loopback.Connect(endPoint);
        ExpectMsg<Opened>();
        victim.Send(new byte[100_000]);
        Loopback.Reset(victim);
        ExpectMsg<SocketProtocol.Closed>();
        using var other = Loopback.Connect(endPoint);
        ExpectMsg<Opened>();
        other.Send("alive"u8.ToArray());
        Assert.Equal("alive", Encoding.ASCII.GetString(Loopback.ReadExactly(other, 5)));
        AwaitLiveCount(server, 1);
    }

    [Fact]
    public void A_handler_whose_OnConnect_throws_is_closed_at_once_and_its_slot_freed()
    {
        var (server, endPoint) = Listen(Loopback0, () => new ThrowsOnConnect());
        using var doomed = Loopback.Connect(endPoint);
        try
        {
            Assert.Equal(0, doomed.Receive(new byte[1])); // closed: FIN or reset, never served (bounded by the receive timeout)
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
        }
        AwaitLiveCount(server, 0);
    }

    private sealed class ThrowsOnConnect : IConnectionHandler
    {
        public void OnConnect(ISocket socket) => throw new InvalidOperationException("OnConnect bug");

        public void OnData(ISocket socket, ReadOnlySpan<byte> data) { }
    }

    [Fact]
    public void A_handler_factory_that_throws_fails_only_that_connection()
    {
        var made = 0;
        var (server, endPoint) = Listen(Loopback0, () => ++made == 2 ? throw new InvalidOperationException("factory bug") : new EchoHandler());
        using var first = Loopback.Connect(endPoint);
        first.Send("1"u8.ToArray());
        Loopback.ReadExactly(first, 1); // the first handler exists: the next factory call is the doomed one's
        using var doomed = Loopback.Connect(endPoint);
        try
        {
            Assert.Equal(0, doomed.Receive(new byte[1])); // closed: FIN or reset, never served
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
        }
        AwaitLiveCount(server, 1);
        first.Send("ok"u8.ToArray());
        Assert.Equal("ok", Encoding.ASCII.GetString(Loopback.ReadExactly(first, 2)));
    }

    [Fact]
    public void A_paused_socket_closed_normally_by_the_peer_after_our_FIN_is_no_error()
    {
        var (_, endPoint) = Listen(Loopback0 with { PauseOnConnect = true }, () => new ForwardingHandler(TestActor));
        using var client = Loopback.Connect(endPoint);
        var socket = ExpectMsg<SocketProtocol.Connected>().Socket;
        socket.Tell(SocketProtocol.End.Instance);
        Loopback.ExpectEof(client);
        client.Shutdown(SocketShutdown.Send);
        ExpectMsg<SocketProtocol.Closed>(c => Assert.False(c.HadError), TimeSpan.FromSeconds(3));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void A_reset_is_noticed_while_nothing_is_read_and_releases_the_slot(bool allowHalfOpen, bool pauseOnConnect)
    {
        // Half-open after the peer's FIN, or paused: no read is pending to see the reset, so it is probed for.
        var options = Loopback0 with { Handler = "discard", AllowHalfOpen = allowHalfOpen, PauseOnConnect = pauseOnConnect };
        var (server, endPoint) = Listen(options);
        var client = Loopback.Connect(endPoint);
        AwaitLiveCount(server, 1);
        if (allowHalfOpen) client.Shutdown(SocketShutdown.Send);
        Loopback.Reset(client);
        AwaitLiveCount(server, 0);
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void A_handler_that_throws_costs_only_its_own_connection(string transport)
    {
        var (server, endPoint) = Listen(On(transport), () => new CrashingHandler());
        using var doomed = Loopback.Connect(endPoint);
        doomed.Send("boom"u8.ToArray());
        var buffer = new byte[1];
        // The failing connection is reset (or closed); either way it ends.
        try
        {
            Assert.Equal(0, doomed.Receive(buffer));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
        }
        AwaitLiveCount(server, 0);
        using var next = Loopback.Connect(endPoint);
        AwaitLiveCount(server, 1);
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void Pause_on_connect_reads_nothing_until_the_handler_resumes(string transport)
    {
        var (_, endPoint) = Listen(On(transport) with { PauseOnConnect = true }, () => new ForwardingHandler(TestActor));
        using var client = Loopback.Connect(endPoint);
        var socket = ExpectMsg<SocketProtocol.Connected>().Socket;
        client.Send("held"u8.ToArray());
        socket.Tell(SocketProtocol.GetInfo.Instance);
        ExpectMsg<SocketProtocol.SocketInfo>(i => Assert.Equal(0, i.BytesRead));
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        socket.Tell(SocketProtocol.Resume.Instance);
        var data = ExpectMsg<SocketProtocol.Data>();
        Assert.Equal("held", Encoding.ASCII.GetString(data.Bytes));
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void Idle_timeout_fires_only_after_a_quiet_period_and_activity_resets_it(string transport)
    {
        // Generous against the gaps: the loops that deliver reads are shared with every server in this test
        // process, including event-loop ones that run whole echo streams on them (EventLoopTests).
        var idle = TimeSpan.FromMilliseconds(1000);
        var (_, endPoint) = Listen(On(transport) with { IdleTimeout = idle }, () => new ForwardingHandler(TestActor));
        using var client = Loopback.Connect(endPoint);
        ExpectMsg<SocketProtocol.Connected>();
        var lastActivity = Stopwatch.StartNew();
        // Activity every 250 ms for about two timeouts' worth: no Timeout may fire.
        for (var i = 0; i < 8; i++)
        {
            client.Send("."u8.ToArray());
            ExpectMsg<SocketProtocol.Data>();
            lastActivity.Restart();
            ExpectNoMsg(TimeSpan.FromMilliseconds(250));
        }
        ExpectMsg<SocketProtocol.TimedOut>(TimeSpan.FromSeconds(3));
        Assert.True(lastActivity.Elapsed >= idle - TimeSpan.FromMilliseconds(20), $"fired {lastActivity.Elapsed} after the last read");
        // Fires once: the socket is still open and no second Timeout follows without activity.
        ExpectNoMsg(idle * 2);
        client.Send("!"u8.ToArray());
        ExpectMsg<SocketProtocol.Data>();
        ExpectMsg<SocketProtocol.TimedOut>(TimeSpan.FromSeconds(3));
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void Built_in_handlers_end_gracefully_on_idle_timeout(string transport)
    {
        var (_, endPoint) = Listen(On(transport) with { Handler = "tally", IdleTimeout = TimeSpan.FromMilliseconds(200) });
        using var client = Loopback.Connect(endPoint);
        client.Send("abc"u8.ToArray());
        Loopback.ExpectEof(client); // FIN without a count
        // Our side is still open: the server waits for our FIN, then closes.
        client.Shutdown(SocketShutdown.Send);
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void Drain_event_follows_a_write_that_reported_a_full_queue(string transport)
    {
        var (_, endPoint) = Listen(On(transport), () => new BigWriter(TestActor));
        using var client = Loopback.Connect(endPoint);
        ExpectMsg(false); // Write returned false: the queue is above the high-water mark
        ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // no Drain while nobody reads
        Assert.Equal(BigWriter.Size, Loopback.ReadExactly(client, BigWriter.Size).Length);
        ExpectMsg("drain");
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void A_write_queue_past_its_hard_cap_ends_the_connection_with_an_error(string transport)
    {
        var options = On(transport) with { WriteHighWaterMark = 1024, MaxWriteQueue = 1024 * 1024 };
        var (server, endPoint) = Listen(options, () => new ForwardingHandler(TestActor));
        using var client = Loopback.Connect(endPoint);
        var socket = ExpectMsg<SocketProtocol.Connected>().Socket;
        var chunk = new byte[256 * 1024];
        for (var i = 0; i < 64; i++) socket.Tell(new SocketProtocol.Write(chunk));
        ExpectMsg<SocketProtocol.ErrorOccurred>(e => Assert.Equal("ERR_WRITE_QUEUE_FULL", e.Error.Code));
        ExpectMsg<SocketProtocol.Closed>(c => Assert.True(c.HadError));
        AwaitLiveCount(server, 0);
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void A_write_with_an_ack_is_acknowledged_once_in_the_kernel(string transport)
    {
        var (_, endPoint) = Listen(On(transport), () => new ForwardingHandler(TestActor));
        using var client = Loopback.Connect(endPoint);
        var socket = ExpectMsg<SocketProtocol.Connected>().Socket;
        socket.Tell(new SocketProtocol.Write("hello"u8.ToArray(), Ack: 42));
        ExpectMsg(42);
        Assert.Equal("hello", Encoding.ASCII.GetString(Loopback.ReadExactly(client, 5)));
        socket.Tell(new SocketProtocol.Write(new byte[8 * 1024 * 1024], Ack: 43));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // not all of it fits in the kernel while nobody reads
        Loopback.ReadExactly(client, 8 * 1024 * 1024);
        ExpectMsg(43);
    }

    private sealed class BigWriter(IActorRef probe) : IConnectionHandler
    {
        public const int Size = 8 * 1024 * 1024;

        public void OnConnect(ISocket socket) => probe.Tell(socket.Write(new byte[Size]));

        public void OnData(ISocket socket, ReadOnlySpan<byte> data) { }

        public void OnDrain(ISocket socket) => probe.Tell("drain");
    }
}
