using Akka.Actor;

namespace ActorNet.Cluster;

/// <summary>Creates <see cref="ClusterCounts"/>, once per ActorSystem.</summary>
public sealed class ClusterCountsProvider : ExtensionIdProvider<ClusterCounts>
{
    /// <inheritdoc />
    public override ClusterCounts CreateExtension(ExtendedActorSystem system) => new(system);
}
