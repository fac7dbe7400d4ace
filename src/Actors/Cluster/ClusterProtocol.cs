namespace ActorNet.Cluster;

/// <summary>Messages of <see cref="ClusterCounts"/>'s actor: live connection counts across the cluster.</summary>
public static class ClusterProtocol
{
    /// <summary>Ask for the cluster's counts; replies <see cref="Counts"/>.</summary>
    public sealed record GetCounts
    {
        /// <summary>The single instance.</summary>
        public static GetCounts Instance { get; } = new();
    }

    /// <summary>Every member this node knows, with the live count each last published.</summary>
    /// <param name="Self">This node's address, e.g. <c>akka.tcp://actornet@127.0.0.1:25520</c>.</param>
    /// <param name="SelfUp">True when this node's member status is <c>Up</c>.</param>
    /// <param name="Live">The sum over <paramref name="Members"/>.</param>
    /// <param name="Members">Ordered by address.</param>
    public sealed record Counts(string Self, bool SelfUp, int Live, IReadOnlyList<MemberCount> Members);

    /// <summary>One member.</summary>
    /// <param name="Address">The member's address.</param>
    /// <param name="Status">Akka's member status: Joining (also this node before it has joined), WeaklyUp, Up, Leaving, Exiting, Down, Removed.</param>
    /// <param name="Reachable">False while this node's failure detector considers the member unreachable.</param>
    /// <param name="Live">The live connection count the member last published (0 before its first).</param>
    public sealed record MemberCount(string Address, string Status, bool Reachable, int Live);
}
