using Akka.Actor;

namespace ActorNet.Server;

/// <summary>
/// The live connection count of every server in one ActorSystem (a node's count): what a cluster node publishes
/// to the others. Updated by each server's connection supervisor as connections are admitted and gone.
/// </summary>
public sealed class LiveConnections : IExtension
{
    private int _count;

    /// <summary>Connections live now in every server of this ActorSystem.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The extension of <paramref name="system"/>.</summary>
    public static LiveConnections Get(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return system.WithExtension<LiveConnections, LiveConnectionsProvider>();
    }

    internal void Add(int delta) => Interlocked.Add(ref _count, delta);
}
