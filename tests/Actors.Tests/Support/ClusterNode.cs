using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using ActorNet.Broadcast;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Server;

namespace ActorNet.Tests.Support;

/// <summary>
/// One cluster member in this process (Akka's own test style: remoting on 127.0.0.1 port 0, the same system name on
/// every node), serving the chat handler on a loopback port.
/// </summary>
internal sealed class ClusterNode : IAsyncDisposable
{
    private const string SystemName = "actornet-cluster-test";

    private ClusterNode(ActorSystem system, ActorNetServer server)
    {
        System = system;
        Server = server;
    }

    public ActorSystem System { get; }

    public ActorNetServer Server { get; }

    public Akka.Cluster.Cluster Cluster => Akka.Cluster.Cluster.Get(System);

    public string Address => Cluster.SelfAddress.ToString();

    public int Port => ((System.Net.IPEndPoint)Server.EndPoint).Port;

    /// <summary>Starts a node (not joined yet) with a chat server that drains on CoordinatedShutdown.</summary>
    /// <param name="extraConfig">HOCON layered over the test defaults.</param>
    /// <param name="drainTimeout">The server's drain-timeout.</param>
    public static async Task<ClusterNode> StartAsync(string extraConfig = "", TimeSpan? drainTimeout = null)
    {
        var config = ConfigurationFactory.ParseString(extraConfig).WithFallback(ConfigurationFactory.ParseString("""
            akka.loglevel = INFO
            akka.log-dead-letters = off
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
            # Decide on an unreachable member sooner than the 20 s default: tests wait for it.
            akka.cluster.split-brain-resolver.stable-after = 2s
            akka.coordinated-shutdown.phases.service-requests-done.timeout = 30s
            """));
        var system = ActorSystem.Create(SystemName, config);
        var options = new ServerOptions { Host = "127.0.0.1", Port = 0, DrainTimeout = drainTimeout ?? TimeSpan.FromSeconds(20) };
        var topics = Topics.Get(system);
        var server = await ActorNetServer.StartAsync(system, options, () => new ChatHandler(topics)).WaitAsync(TimeSpan.FromSeconds(10));
        server.CloseOnCoordinatedShutdown();
        _ = ActorNet.Cluster.ClusterCounts.Get(system);
        return new ClusterNode(system, server);
    }

    /// <summary>Three nodes joined into one cluster, every member Up on every node.</summary>
    public static async Task<ClusterNode[]> StartClusterAsync(int count, string extraConfig = "")
    {
        var nodes = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => StartAsync(extraConfig)));
        var seed = nodes[0].Cluster.SelfAddress;
        foreach (var node in nodes) node.Cluster.Join(seed);
        await Eventually.TrueAsync(() => nodes.All(n => n.Cluster.State.Members.Count(m => m.Status == MemberStatus.Up) == count),
            TimeSpan.FromSeconds(30), "every member Up on every node");
        return nodes;
    }

    public async ValueTask DisposeAsync()
    {
        await System.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
    }
}

/// <summary>Bounded polling for conditions that change by themselves (cluster gossip), never a fixed sleep.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not within {timeout}: {what}");
            await Task.Delay(50);
        }
    }

    public static async Task<T> MatchAsync<T>(Func<Task<T>> read, Func<T, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        T last;
        while (!condition(last = await read()))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not within {timeout}: {what}; last: {last}");
            await Task.Delay(50);
        }
        return last;
    }
}
