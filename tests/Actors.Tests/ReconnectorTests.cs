using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

public sealed class ReconnectorTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public void Gives_up_after_the_bounded_number_of_attempts_with_the_last_error()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var policy = new ReconnectPolicy(3, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(80));
        var reconnector = Sys.ActorOf(Reconnector.Props(new ConnectOptions { Host = "127.0.0.1", Port = port },
            () => new DiscardHandler(), policy, TestActor));
        Watch(reconnector);
        ExpectMsg<ReconnectProtocol.Reconnecting>(r =>
        {
            Assert.Equal(2, r.Attempt);
            Assert.Equal(TimeSpan.FromMilliseconds(50), r.Delay);
            Assert.Equal("ECONNREFUSED", r.LastError?.Code);
        });
        ExpectMsg<ReconnectProtocol.Reconnecting>(r =>
        {
            Assert.Equal(3, r.Attempt);
            Assert.Equal(TimeSpan.FromMilliseconds(80), r.Delay); // 100 ms capped by MaxDelay
        });
        ExpectMsg<ReconnectProtocol.GaveUp>(g =>
        {
            Assert.Equal(3, g.Attempts);
            Assert.Equal("ECONNREFUSED", g.LastError?.Code);
        });
        ExpectTerminated(reconnector);
    }

    [Fact]
    public void Reconnects_with_a_fresh_socket_after_the_server_drops_the_connection()
    {
        var (server, endPoint) = Listen(Loopback0, () => new ReportingEcho(TestActor));
        var policy = new ReconnectPolicy(50, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(100));
        var options = new ConnectOptions { Host = "127.0.0.1", Port = ((IPEndPoint)endPoint).Port };
        Sys.ActorOf(Reconnector.Props(options, () => new DiscardHandler(), policy, TestActor));
        var first = ExpectMsg<Opened>().Socket;
        first.Self.Tell(SocketProtocol.Destroy.Instance); // the server drops it
        var both = ReceiveN(2).ToList();
        Assert.Contains(both, m => m is SocketProtocol.Closed);
        var reconnecting = Assert.Single(both.OfType<ReconnectProtocol.Reconnecting>());
        Assert.Equal(1, reconnecting.Attempt);
        Assert.Null(reconnecting.LastError); // a graceful close from the server (FIN), not a reset
        var second = ExpectMsg<Opened>().Socket;
        Assert.NotEqual(first.Self, second.Self);
        _ = server;
    }

    [Fact]
    public void A_bad_policy_is_rejected_naming_the_value()
    {
        var e = Assert.Throws<ArgumentException>(() => Reconnector.Props(new ConnectOptions { Port = 1 }, () => new DiscardHandler(),
            new ReconnectPolicy(0, TimeSpan.Zero, TimeSpan.Zero), TestActor));
        Assert.StartsWith("ReconnectPolicy.MaxAttempts", e.Message);
    }
}
