using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Event;
using ActorNet.Cluster;
using Serilog;

namespace ActorNet.Server;

/// <summary>
/// The executable as an Akka.Cluster node (<c>akka.actor.provider = cluster</c>): live counts shared through
/// <see cref="ClusterCounts"/>, the cluster part of <c>/status</c>, readiness only as an Up member, and the lifecycle
/// in the log. Leaving is CoordinatedShutdown's: the drain's phases come before <c>cluster-leave</c>.
/// </summary>
internal static class ClusterMode
{
    /// <summary>True when the configuration makes the ActorSystem a cluster member.</summary>
    public static bool IsOn(Config config)
    {
        var provider = config.GetString("akka.actor.provider", "local").Trim();
        return provider.Equals("cluster", StringComparison.OrdinalIgnoreCase)
            || provider.StartsWith("Akka.Cluster.ClusterActorRefProvider", StringComparison.Ordinal);
    }

    /// <summary>Starts publishing this node's count and fills the cluster part of <paramref name="status"/>.</summary>
    public static void Attach(ActorSystem system, StatusSource status)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var counts = ClusterCounts.Get(system);
        status.Cluster = async () => ToStatus(await counts.GetAsync(TimeSpan.FromSeconds(2)));
        status.ClusterMemberUp = () => cluster.SelfMember.Status == MemberStatus.Up;
        Log.Information("Cluster node {Address}; seed nodes {SeedNodes}", cluster.SelfAddress.ToString(),
            cluster.Settings.SeedNodes.Select(a => a.ToString()).ToArray());
        cluster.RegisterOnMemberUp(() => Log.Information("Cluster member {Address} is Up", cluster.SelfAddress.ToString()));
        // After service-stop (the drain is over, leftovers reset) and before Akka's own cluster-leave task. Through
        // Akka's log, like the server's drain lines, so the two stay in order.
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeClusterShutdown, "actornet-log-leave", () =>
        {
            system.Log.Info("Leaving the cluster as {Address}", cluster.SelfAddress.ToString());
            return Task.FromResult(Akka.Done.Instance);
        });
    }

    /// <summary>
    /// When <paramref name="error"/> (from creating the ActorSystem) is remoting failing to bind its port, one line
    /// that names the address and the key; otherwise null.
    /// </summary>
    public static string? RemotingBindFailure(Exception error, Config config)
    {
        for (Exception? e = error; e is not null; e = e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerExceptions[0] : e.InnerException)
        {
            if (e is not Akka.Remote.RemoteTransportException) continue;
            var cause = e.InnerException is System.Net.Sockets.SocketException socket ? socket.Message.ToLowerInvariant() : e.Message;
            return $"remoting cannot listen on {config.GetString("akka.remote.dot-netty.tcp.hostname", "")}:" +
                $"{config.GetString("akka.remote.dot-netty.tcp.port", "")} (akka.remote.dot-netty.tcp.port): {cause}";
        }
        return null;
    }

    /// <summary>The exit code for how the node stopped: downed by the others is not a clean stop.</summary>
    public static int? ExitCodeFor(CoordinatedShutdown.Reason? reason)
    {
        if (reason is not CoordinatedShutdown.ClusterDowningReason) return null;
        Log.Warning("This node was downed by the cluster; it drained and stopped");
        return 1;
    }

    private static ClusterStatus ToStatus(ClusterProtocol.Counts counts) =>
        new(counts.Self, counts.Live, counts.Members.Select(m => new MemberStatusReport(m.Address, m.Status, m.Reachable, m.Live)).ToArray());

    /// <summary>The <c>cluster</c> part of <c>/status</c>.</summary>
    private sealed record ClusterStatus(string Self, int Live, IReadOnlyList<MemberStatusReport> Members);

    /// <summary>One member in <c>/status</c>.</summary>
    private sealed record MemberStatusReport(string Address, string Status, bool Reachable, int Live);
}
