using System.Text;
using Akka.Actor;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Tests.Support;
using ActorNet.Transport.Sockets;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>
/// The epoll loops' busy-poll: a loop that just handled an edge polls for the next one instead of sleeping, and the
/// longest window asked for by a listening server applies. Runs alone: another epoll server in the process would
/// hold the loops with a window of its own.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class EpollBusyPollTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private const int RoundTrips = 300;

    [Fact]
    public void A_ping_pong_connection_is_served_by_polling_when_busy_poll_is_set()
    {
        AwaitNoBusyPoll();
        var (server, endPoint) = Listen(On("epoll") with { BusyPoll = TimeSpan.FromMicroseconds(999) });
        Assert.Equal(TimeSpan.FromMicroseconds(999), EpollLoop.BusyPoll);

        var before = EpollLoop.PolledEdges;
        PingPong(endPoint);
        // The first sleeps grow the window past the gap between a reply and the next request, when that gap is short
        // (here a test thread's, often well under the window, sometimes longer).
        Assert.True(EpollLoop.PolledEdges > before, $"none of {RoundTrips} requests was found by polling");

        server.Tell(ServerProtocol.Close.Instance, TestActor);
        ExpectMsg<ServerProtocol.Unbound>();
        // The window goes with the last listener that asked for it.
        Assert.Equal(TimeSpan.Zero, EpollLoop.BusyPoll);
    }

    [Fact]
    public void With_busy_poll_0s_a_loop_sleeps_until_every_edge()
    {
        AwaitNoBusyPoll();
        var (_, endPoint) = Listen(On("epoll") with { BusyPoll = TimeSpan.Zero });
        Assert.Equal(TimeSpan.Zero, EpollLoop.BusyPoll);

        using var client = Loopback.Connect(endPoint);
        PingPong(client, 1); // a poll of an earlier test's window that is still under way may take this one
        PingPongNotFoundByPolling(client);
    }

    [Fact]
    public void When_the_listener_that_asked_for_polling_closes_the_loops_stop_polling_at_once()
    {
        AwaitNoBusyPoll();
        var (polling, _) = Listen(On("epoll") with { BusyPoll = TimeSpan.FromMicroseconds(999) });
        var (_, endPoint) = Listen(On("epoll") with { BusyPoll = TimeSpan.Zero });
        using var client = Loopback.Connect(endPoint);
        PingPongFoundByPolling(client);

        polling.Tell(ServerProtocol.Close.Instance, TestActor);
        ExpectMsg<ServerProtocol.Unbound>();
        // A poll already under way may still take the next request; every one after it sleeps first.
        PingPong(client, 1);
        // The same connection, its loop's window grown: it must not go on polling.
        PingPongNotFoundByPolling(client);
    }

    [Fact]
    public void The_longest_window_among_the_listening_servers_applies()
    {
        AwaitNoBusyPoll();
        var (shorter, _) = Listen(On("epoll") with { BusyPoll = TimeSpan.FromMicroseconds(20) });
        var (longer, _) = Listen(On("epoll") with { BusyPoll = TimeSpan.FromMicroseconds(300) });
        Assert.Equal(TimeSpan.FromMicroseconds(300), EpollLoop.BusyPoll);

        longer.Tell(ServerProtocol.Close.Instance, TestActor);
        ExpectMsg<ServerProtocol.Unbound>();
        ExpectMsg<ServerProtocol.Closed>();
        Assert.Equal(TimeSpan.FromMicroseconds(20), EpollLoop.BusyPoll);
        shorter.Tell(ServerProtocol.Close.Instance, TestActor);
        ExpectMsg<ServerProtocol.Unbound>();
        Assert.Equal(TimeSpan.Zero, EpollLoop.BusyPoll);
    }

    [Fact]
    public void The_window_grows_from_10_us_while_sleeps_are_short_and_halves_to_none_while_they_are_long()
    {
        var start = EpollLoop.AdaptivePoll.Start;
        var max = start * 8;
        var poll = new EpollLoop.AdaptivePoll();
        Assert.Equal(0, poll.Window);
        poll.Slept(max, max); // a sleep a window of max would have covered
        Assert.Equal(start, poll.Window);
        foreach (var expected in new[] { start * 2, start * 4, start * 8, start * 8 })
        {
            poll.Slept(0, max);
            Assert.Equal(expected, poll.Window);
        }
        // Longer than the window could have covered: halve, and from the start value down to none.
        foreach (var expected in new[] { start * 4, start * 2, start, 0 })
        {
            poll.Slept(max, max);
            Assert.Equal(expected, poll.Window);
        }
        poll.Slept(max + 1, max);
        Assert.Equal(0, poll.Window);
    }

    [Fact]
    public void Without_a_window_allowed_the_loop_never_polls()
    {
        var poll = new EpollLoop.AdaptivePoll();
        poll.Slept(0, 0);
        Assert.Equal(0, poll.Window);
        poll.Slept(0, EpollLoop.AdaptivePoll.Start);
        Assert.Equal(EpollLoop.AdaptivePoll.Start, poll.Window);
        // The last listener that asked for polling closed.
        poll.Slept(0, 0);
        Assert.Equal(0, poll.Window);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1001)]
    public void A_window_out_of_range_is_refused_where_the_options_are_made(int microseconds)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ServerOptions { BusyPoll = TimeSpan.FromMicroseconds(microseconds) });
        Assert.Equal("BusyPoll", error.ParamName);
        Assert.Contains("busy-poll must be from 0 to 1 ms", error.Message);
    }

    // Servers of earlier tests (the default is 50 µs) close with their ActorSystems.
    private void AwaitNoBusyPoll() =>
        AwaitCondition(() => EpollLoop.BusyPoll == TimeSpan.Zero, TimeSpan.FromSeconds(10), "a listener of an earlier test still holds a busy-poll window");

    // Request, reply, next request at once: the gaps a polling loop covers.
    // Round trips on the connection: some (or none) of the requests must be found by a loop's polling.
    private static void PingPongFoundByPolling(System.Net.Sockets.Socket client)
    {
        var before = EpollLoop.PolledEdges;
        PingPong(client);
        Assert.True(EpollLoop.PolledEdges > before, $"none of {RoundTrips} requests was found by polling");
    }

    private static void PingPongNotFoundByPolling(System.Net.Sockets.Socket client)
    {
        var before = EpollLoop.PolledEdges;
        PingPong(client);
        Assert.Equal(before, EpollLoop.PolledEdges);
    }

    private static void PingPong(System.Net.EndPoint endPoint)
    {
        using var client = Loopback.Connect(endPoint);
        PingPong(client);
    }

    private static void PingPong(System.Net.Sockets.Socket client, int roundTrips = RoundTrips)
    {
        client.NoDelay = true;
        var ping = Encoding.ASCII.GetBytes(new string('p', 64));
        for (var i = 0; i < roundTrips; i++)
        {
            client.Send(ping);
            Assert.Equal(ping, Loopback.ReadExactly(client, ping.Length));
        }
    }
}
