using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using ActorNet.Handlers;
using ActorNet.Protocol;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

public sealed class HalfCloseTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void Without_allow_half_open_the_server_answers_the_peers_FIN_with_its_own(string transport)
    {
        var (_, endPoint) = Listen(On(transport) with { Handler = "discard" });
        using var client = Loopback.Connect(endPoint);
        client.Send("ignored"u8.ToArray());
        client.Shutdown(SocketShutdown.Send);
        Loopback.ExpectEof(client);
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void With_allow_half_open_the_server_side_stays_writable_after_the_peers_FIN(string transport)
    {
        var (_, endPoint) = Listen(On(transport) with { AllowHalfOpen = true }, () => new ForwardingHandler(TestActor));
        using var client = Loopback.Connect(endPoint);
        var socket = ExpectMsg<SocketProtocol.Connected>().Socket;
        client.Shutdown(SocketShutdown.Send);
        ExpectMsg<SocketProtocol.Ended>();
        socket.Tell(new SocketProtocol.Write("after your FIN"u8.ToArray(), Ack: "sent"));
        ExpectMsg("sent");
        Assert.Equal("after your FIN", Encoding.ASCII.GetString(Loopback.ReadExactly(client, 14)));
        socket.Tell(SocketProtocol.End.Instance);
        Loopback.ExpectEof(client);
        ExpectMsg<SocketProtocol.Closed>(c => Assert.False(c.HadError));
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void Without_allow_half_open_a_write_after_the_automatic_end_fails_with_EPIPE(string transport)
    {
        var (_, endPoint) = Listen(On(transport), () => new ForwardingHandler(TestActor));
        using var client = Loopback.Connect(endPoint);
        var socket = ExpectMsg<SocketProtocol.Connected>().Socket;
        Watch(socket);
        client.Shutdown(SocketShutdown.Send);
        ExpectMsg<SocketProtocol.Ended>();
        // The socket ended itself after the end callback; with both sides ended it closes.
        ExpectMsg<SocketProtocol.Closed>(c => Assert.False(c.HadError));
        Loopback.ExpectEof(client);
        ExpectTerminated(socket);
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void Without_allow_half_open_a_write_after_the_automatic_end_fails_with_EPIPE_while_the_end_is_flushing(string transport)
    {
        var (_, endPoint) = Listen(On(transport), () => new ForwardingHandler(TestActor));
        using var client = Loopback.Connect(endPoint);
        var socket = ExpectMsg<SocketProtocol.Connected>().Socket;
        // More than the kernel buffers hold while the client does not read: the automatic end must wait for it.
        socket.Tell(new SocketProtocol.Write(new byte[16 * 1024 * 1024]));
        socket.Tell(SocketProtocol.GetInfo.Instance);
        ExpectMsg<SocketProtocol.SocketInfo>(i => Assert.True(i.QueuedBytes > 0));
        client.Shutdown(SocketShutdown.Send);
        ExpectMsg<SocketProtocol.Ended>();
        socket.Tell(new SocketProtocol.Write("too late"u8.ToArray()));
        ExpectMsg<SocketProtocol.ErrorOccurred>(e => Assert.Equal("EPIPE", e.Error.Code));
        ExpectMsg<SocketProtocol.Closed>(c => Assert.True(c.HadError));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Tally_writes_the_byte_count_then_FIN_with_allow_half_open(bool allowHalfOpen)
    {
        var (_, endPoint) = Listen(Loopback0 with { Handler = "tally", AllowHalfOpen = allowHalfOpen });
        using var client = Loopback.Connect(endPoint);
        var payload = Loopback.Pattern(3 * 1024 * 1024);
        client.Send(payload);
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal("3145728\n", Encoding.ASCII.GetString(Loopback.ReadToEnd(client)));
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void Echo_with_allow_half_open_ends_after_everything_was_echoed(string transport)
    {
        var (_, endPoint) = Listen(On(transport) with { AllowHalfOpen = true });
        using var client = Loopback.Connect(endPoint);
        client.Send("abc"u8.ToArray());
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal("abc", Encoding.ASCII.GetString(Loopback.ReadToEnd(client)));
    }
}
