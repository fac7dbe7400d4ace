using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using ActorNet.Protocol;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

public sealed class ServerCloseTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public void Close_stops_accepting_at_once_but_serves_live_connections_and_publishes_Closed_only_when_drained()
    {
        var (server, endPoint) = Listen(Loopback0);
        using var live = Loopback.Connect(endPoint);
        AwaitLiveCount(server, 1);
        server.Tell(ServerProtocol.Close.Instance);
        ExpectMsg<ServerProtocol.Unbound>();
        var refused = Assert.Throws<SocketException>(() => Loopback.Connect(endPoint));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        // The live connection still works, and Closed waits for it.
        live.Send("still here"u8.ToArray());
        Assert.Equal("still here", Encoding.ASCII.GetString(Loopback.ReadExactly(live, 10)));
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        live.Shutdown(SocketShutdown.Send);
        Loopback.ExpectEof(live);
        ExpectMsg<ServerProtocol.Closed>();
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void Close_with_no_connections_publishes_Closed_at_once(string transport)
    {
        var (server, _) = Listen(On(transport));
        server.Tell(ServerProtocol.Close.Instance);
        ExpectMsg<ServerProtocol.Unbound>();
        ExpectMsg<ServerProtocol.Closed>();
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void At_the_drain_deadline_remaining_connections_are_ended_gracefully_then_reset_after_the_grace(string transport)
    {
        var options = On(transport) with { DrainTimeout = TimeSpan.FromMilliseconds(300), DrainGrace = TimeSpan.FromMilliseconds(500) };
        var (server, endPoint) = Listen(options);
        using var polite = Loopback.Connect(endPoint);
        using var stubborn = Loopback.Connect(endPoint);
        AwaitLiveCount(server, 2);
        server.Tell(ServerProtocol.Close.Instance);
        ExpectMsg<ServerProtocol.Unbound>();
        // Deadline: both get a FIN (graceful end), nothing is lost before it.
        Loopback.ExpectEof(polite);
        Loopback.ExpectEof(stubborn);
        polite.Shutdown(SocketShutdown.Send);
        // The stubborn one never sends FIN: after the grace it is reset, and the server is drained.
        ExpectMsg<ServerProtocol.Closed>(TimeSpan.FromSeconds(5));
        // Reset: a send fails (the first may still be taken before the RST is seen; akka-io resets asynchronously).
        AwaitAssert(() =>
        {
            var e = Assert.Throws<SocketException>(() => stubborn.Send(new byte[1]));
            Assert.Contains(e.SocketErrorCode, new[] { SocketError.ConnectionReset, SocketError.Shutdown });
        }, TimeSpan.FromSeconds(8), TimeSpan.FromMilliseconds(50));
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void A_zero_drain_timeout_resets_live_connections_at_once(string transport)
    {
        var (server, endPoint) = Listen(On(transport) with { DrainTimeout = TimeSpan.Zero });
        using var live = Loopback.Connect(endPoint);
        AwaitLiveCount(server, 1);
        server.Tell(ServerProtocol.Close.Instance);
        ExpectMsg<ServerProtocol.Unbound>();
        ExpectMsg<ServerProtocol.Closed>();
        var e = Assert.Throws<SocketException>(() => live.Receive(new byte[1]));
        Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void ForceClose_during_a_drain_resets_what_is_left(string transport)
    {
        var (server, endPoint) = Listen(On(transport) with { DrainTimeout = TimeSpan.FromMinutes(5) });
        using var live = Loopback.Connect(endPoint);
        AwaitLiveCount(server, 1);
        server.Tell(ServerProtocol.Close.Instance);
        ExpectMsg<ServerProtocol.Unbound>();
        server.Tell(ServerProtocol.ForceClose.Instance);
        ExpectMsg<ServerProtocol.Closed>();
    }

    [Fact]
    public void Closing_a_server_that_is_not_listening_answers_ERR_SERVER_NOT_RUNNING()
    {
        var server = Sys.ActorOf(ActorNet.Server.ServerActor.Props(Loopback0));
        server.Tell(ServerProtocol.Close.Instance);
        ExpectMsg<ServerProtocol.ServerError>(e => Assert.Equal("ERR_SERVER_NOT_RUNNING", e.Error.Code));
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void A_closed_server_can_listen_again(string transport)
    {
        var (server, _) = Listen(On(transport));
        server.Tell(ServerProtocol.Close.Instance);
        ExpectMsg<ServerProtocol.Unbound>();
        ExpectMsg<ServerProtocol.Closed>();
        server.Tell(ServerProtocol.Listen.Instance);
        var again = ExpectMsg<ServerProtocol.Listening>();
        using var client = Loopback.Connect(again.EndPoint);
        client.Send("x"u8.ToArray());
        Assert.Equal(1, Loopback.ReadExactly(client, 1).Length);
    }
}
