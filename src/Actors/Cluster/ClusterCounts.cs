using Akka.Actor;
using Akka.Cluster;

namespace ActorNet.Cluster;

/// <summary>
/// Live connection counts across an Akka.Cluster: every node publishes its own count (every ActorNet server in its
/// ActorSystem) through Akka.DistributedData and sees everyone's. A node's first server starts it; a node without a
/// server that wants to read the counts calls <see cref="Get"/> at start-up. Counts converge
/// within a few seconds of a change while the cluster is healthy; a removed member's count disappears with it.
/// </summary>
/// <example>
/// <code>
/// var counts = await ClusterCounts.Get(system).GetAsync();
/// Console.WriteLine($"{counts.Live} connections on {counts.Members.Count} nodes");
/// </code>
/// </example>
public sealed class ClusterCounts : IExtension
{
    /// <summary>How often this node checks its own count and publishes it when it changed.</summary>
    public static readonly TimeSpan PublishInterval = TimeSpan.FromMilliseconds(250);

    internal ClusterCounts(ExtendedActorSystem system)
    {
        if (system.Provider is not IClusterActorRefProvider)
            throw new InvalidOperationException("cluster counts need akka.actor.provider = cluster");
        Actor = system.SystemActorOf(ClusterCountsActor.Props(PublishInterval), "actornet-cluster-counts");
    }

    /// <summary>The actor behind it: send it <see cref="ClusterProtocol.GetCounts"/>, it replies <see cref="ClusterProtocol.Counts"/>.</summary>
    public IActorRef Actor { get; }

    /// <summary>The extension of <paramref name="system"/>; the first call starts publishing this node's count.</summary>
    /// <exception cref="InvalidOperationException">The ActorSystem is not a cluster member (<c>akka.actor.provider</c> is not <c>cluster</c>).</exception>
    public static ClusterCounts Get(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return system.WithExtension<ClusterCounts, ClusterCountsProvider>();
    }

    /// <summary>The counts as this node knows them now.</summary>
    /// <param name="timeout">How long to wait for the reply; null = 5 s.</param>
    public Task<ClusterProtocol.Counts> GetAsync(TimeSpan? timeout = null) =>
        Actor.Ask<ClusterProtocol.Counts>(ClusterProtocol.GetCounts.Instance, timeout ?? TimeSpan.FromSeconds(5));
}
