using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.TestKit;
using ActorNet.Connection;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>The socket state machine driven message by message, with a scripted transport and TestKit probes.</summary>
public sealed class SocketActorTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private (IActorRef Socket, ScriptedConnection Connection, TestProbe Calls) Start(ServerOptions? options = null)
    {
        var calls = CreateTestProbe();
        var connection = new ScriptedConnection(calls.Ref);
        var settings = ConnectionSettings.From(options ?? Loopback0);
        var socket = Sys.ActorOf(SocketActor.Props(connection, new ForwardingHandler(TestActor), settings, 1));
        ExpectMsg<SocketProtocol.Connected>();
        calls.ExpectMsg("wait-readable");
        return (socket, connection, calls);
    }

    [Fact]
    public void Data_then_EOF_delivers_every_byte_then_End_then_ends_our_side_and_closes()
    {
        var (socket, connection, calls) = Start();
        Watch(socket);
        connection.Feed("abc"u8.ToArray());
        connection.FeedEof();
        socket.Tell(TransportSignal.Readable.Instance);
        Assert.Equal("abc", Encoding.ASCII.GetString(ExpectMsg<SocketProtocol.Data>().Bytes));
        ExpectMsg<SocketProtocol.Ended>();
        // A short read waits for readability instead of reading again; the pending EOF answers the wait at once.
        calls.ExpectMsg("wait-readable");
        calls.ExpectMsg("shutdown");
        calls.ExpectMsg("close");
        ExpectMsg<SocketProtocol.Closed>(c => Assert.False(c.HadError));
        ExpectTerminated(socket);
    }

    [Fact]
    public void With_allow_half_open_EOF_leaves_the_write_side_to_the_owner()
    {
        var (socket, connection, calls) = Start(Loopback0 with { AllowHalfOpen = true });
        connection.FeedEof();
        socket.Tell(TransportSignal.Readable.Instance);
        ExpectMsg<SocketProtocol.Ended>();
        calls.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        socket.Tell(new SocketProtocol.Write("late"u8.ToArray()));
        calls.ExpectMsg("send 4");
        socket.Tell(SocketProtocol.End.Instance);
        calls.ExpectMsg("shutdown");
        calls.ExpectMsg("close");
    }

    [Fact]
    public void End_waits_for_queued_bytes_to_flush_before_the_FIN()
    {
        var (socket, connection, calls) = Start();
        connection.KernelSpace = 2;
        socket.Tell(new SocketProtocol.Write("hello"u8.ToArray()));
        calls.ExpectMsg("send 2");
        calls.ExpectMsg("send-async 3");
        socket.Tell(SocketProtocol.End.Instance);
        calls.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // no FIN while 3 bytes wait
        socket.Tell(new TransportSignal.Sent(3));
        calls.ExpectMsg("shutdown");
    }

    [Fact]
    public void Writes_while_a_send_is_in_flight_are_coalesced_into_one_send()
    {
        var (socket, connection, calls) = Start();
        connection.KernelSpace = 0;
        socket.Tell(new SocketProtocol.Write("a"u8.ToArray()));
        calls.ExpectMsg("send 0");
        calls.ExpectMsg("send-async 1");
        socket.Tell(new SocketProtocol.Write("bb"u8.ToArray()));
        socket.Tell(new SocketProtocol.Write("ccc"u8.ToArray()));
        socket.Tell(new TransportSignal.Sent(1));
        calls.ExpectMsg("send-async 5");
    }

    [Fact]
    public void A_reset_is_an_ECONNRESET_error_then_Close_with_an_error()
    {
        var (socket, _, calls) = Start();
        socket.Tell(new TransportSignal.Failed(SocketError.ConnectionReset, "read"));
        ExpectMsg<SocketProtocol.ErrorOccurred>(e =>
        {
            Assert.Equal("ECONNRESET", e.Error.Code);
            Assert.Equal("read", e.Error.Syscall);
            Assert.Equal("127.0.0.1", e.Error.Address);
        });
        ExpectMsg<SocketProtocol.Closed>(c => Assert.True(c.HadError));
        calls.ExpectMsg("close");
    }

    [Fact]
    public void Shutdown_for_a_drain_ends_gracefully_and_an_abort_resets()
    {
        var (socket, _, calls) = Start();
        socket.Tell(new SocketInput.Shutdown(ShutdownReason.Drain));
        calls.ExpectMsg("shutdown");
        socket.Tell(new SocketInput.Shutdown(ShutdownReason.Abort));
        calls.ExpectMsg("abort");
        ExpectMsg<SocketProtocol.Closed>(c => Assert.False(c.HadError));
    }

    [Fact]
    public void After_our_FIN_the_close_timeout_closes_a_peer_that_never_ends()
    {
        var (socket, _, calls) = Start(Loopback0 with { CloseTimeout = TimeSpan.FromMilliseconds(200) });
        socket.Tell(SocketProtocol.End.Instance);
        calls.ExpectMsg("shutdown");
        calls.ExpectMsg("close", TimeSpan.FromSeconds(3));
        ExpectMsg<SocketProtocol.Closed>();
    }

    [Fact]
    public void Pause_stops_reading_until_resume()
    {
        var (socket, connection, calls) = Start();
        socket.Tell(SocketProtocol.Pause.Instance);
        connection.Feed("x"u8.ToArray());
        socket.Tell(TransportSignal.Readable.Instance);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        socket.Tell(SocketProtocol.Resume.Instance);
        calls.ExpectMsg("wait-readable");
        socket.Tell(TransportSignal.Readable.Instance);
        ExpectMsg<SocketProtocol.Data>();
    }

    [Fact]
    public void Acked_writes_still_queued_at_destroy_are_answered_with_an_error()
    {
        var (socket, connection, calls) = Start();
        connection.KernelSpace = 0;
        socket.Tell(new SocketProtocol.Write("queued"u8.ToArray(), Ack: "never"));
        calls.ExpectMsg("send 0");
        calls.ExpectMsg("send-async 6");
        socket.Tell(SocketProtocol.Destroy.Instance);
        ExpectMsg<SocketProtocol.ErrorOccurred>(e => Assert.Equal("ERR_SOCKET_CLOSED", e.Error.Code));
        ExpectMsg<SocketProtocol.Closed>();
    }

    [Fact]
    public void A_write_after_our_own_end_is_ERR_STREAM_WRITE_AFTER_END()
    {
        var (socket, _, _) = Start();
        socket.Tell(SocketProtocol.End.Instance);
        socket.Tell(new SocketProtocol.Write("x"u8.ToArray()));
        ExpectMsg<SocketProtocol.ErrorOccurred>(e => Assert.Equal("ERR_STREAM_WRITE_AFTER_END", e.Error.Code));
        ExpectMsg<SocketProtocol.Closed>(c => Assert.True(c.HadError));
    }
}
