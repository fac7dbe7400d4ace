using System.Net;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Server;
using Xunit.Abstractions;

namespace ActorNet.Tests.Support;

/// <summary>A TestKit with helpers to start servers on loopback and wait for their events.</summary>
public abstract class ServerTestKit(ITestOutputHelper output) : TestKit(Config, output)
{
    private const string Config = """
        akka.loglevel = INFO
        akka.log-dead-letters = off
        akka.test.timefactor = 1
        """;

    protected static ServerOptions Loopback0 { get; } = new() { Host = "127.0.0.1", Port = 0 };

    /// <summary>The transports with real sockets (epoll where this machine has it); conformance tests run over each.</summary>
    public static readonly string[] Transports = ActorNet.Transport.Sockets.SocketsTransport.EpollSupported
        ? ["sockets", "epoll", "akka-io"]
        : ["sockets", "akka-io"];

    public static Xunit.TheoryData<string> SocketTransports() => new(Transports);

    /// <summary>Loopback, port 0, on <paramref name="transport"/>.</summary>
    protected static ServerOptions On(string transport) => Loopback0 with { Transport = transport };

    /// <summary>Starts a server, subscribes <paramref name="events"/> (default TestActor), waits for Listening.</summary>
    protected (IActorRef Server, EndPoint EndPoint) Listen(ServerOptions options, Func<IConnectionHandler>? handler = null,
        Akka.TestKit.TestProbe? events = null)
    {
        var server = Sys.ActorOf(ServerActor.Props(options, handler));
        server.Tell(ServerProtocol.Listen.Instance, events?.Ref ?? TestActor);
        var listening = (events ?? (Akka.TestKit.TestKitBase)this).ExpectMsg<ServerProtocol.Listening>(TimeSpan.FromSeconds(10));
        return (server, listening.EndPoint);
    }

    protected static int PortOf(EndPoint endPoint) => ((IPEndPoint)endPoint).Port;

    /// <summary>The live connection count, asked until it equals <paramref name="expected"/> (bounded).</summary>
    protected void AwaitLiveCount(IActorRef server, int expected)
    {
        AwaitAssert(() =>
        {
            var count = server.Ask<ServerProtocol.ConnectionCount>(ServerProtocol.GetConnectionCount.Instance, TimeSpan.FromSeconds(3)).Result;
            Xunit.Assert.Equal(expected, count.Live);
        }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(20));
    }
}
