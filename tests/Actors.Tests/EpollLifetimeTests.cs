using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using ActorNet.Protocol;
using ActorNet.Tests.Support;
using ActorNet.Transport.Sockets;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>
/// The epoll loops' lifetime: they start with the first epoll server and stop once the last one closed and its last
/// connection is gone. Runs alone (no other epoll server may hold the loops meanwhile).
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class EpollLifetimeTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public void The_loops_start_with_the_first_epoll_server_outlive_its_close_while_a_connection_lives_and_stop_after()
    {
        Assert.True(SocketsTransport.EpollSupported, "this suite runs on Linux x64/arm64, where transport epoll exists");
        AwaitCondition(() => EpollLoopCount == 0, TimeSpan.FromSeconds(10), "loop threads left running before the test");

        var (server, endPoint) = Listen(On("epoll"));
        Assert.Equal(Environment.ProcessorCount, EpollLoopCount);
        using (var live = Loopback.Connect(endPoint))
        {
            AwaitLiveCount(server, 1);
            server.Tell(ServerProtocol.Close.Instance);
            ExpectMsg<ServerProtocol.Unbound>();
            // The listener gave its share back; the live connection still needs a loop.
            live.Send("still served"u8.ToArray());
            Assert.Equal("still served", Encoding.ASCII.GetString(Loopback.ReadExactly(live, 12)));
            Assert.Equal(Environment.ProcessorCount, EpollLoopCount);
            live.Shutdown(SocketShutdown.Send);
            Loopback.ExpectEof(live);
            ExpectMsg<ServerProtocol.Closed>();
        }
        AwaitCondition(() => EpollLoopCount == 0, TimeSpan.FromSeconds(5), "the loops did not stop after the last connection");

        // The next epoll server starts them again.
        var (_, again) = Listen(On("epoll"));
        Assert.Equal(Environment.ProcessorCount, EpollLoopCount);
        using var client = Loopback.Connect(again);
        client.Send("again"u8.ToArray());
        Assert.Equal("again", Encoding.ASCII.GetString(Loopback.ReadExactly(client, 5)));
    }

    private static int EpollLoopCount => EpollLoop.RunningLoops;
}
