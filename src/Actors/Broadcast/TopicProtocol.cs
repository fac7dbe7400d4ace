using Akka.Actor;

namespace ActorNet.Broadcast;

/// <summary>What a <see cref="TopicActor"/> takes (through <see cref="Topics"/>) and what crosses nodes.</summary>
internal static class TopicProtocol
{
    /// <summary>Add <paramref name="Subscriber"/> to this node's receivers of the topic; it is watched and dropped when it stops.</summary>
    public sealed record Subscribe(IActorRef Subscriber);

    /// <summary>Remove <paramref name="Subscriber"/>.</summary>
    public sealed record Unsubscribe(IActorRef Subscriber);

    /// <summary>Deliver <paramref name="Data"/> to every receiver on every node, except <paramref name="Except"/>.</summary>
    public sealed record Publish(ReadOnlyMemory<byte> Data, IActorRef? Except);
}

/// <summary>
/// A publication on its way between nodes (through DistributedPubSub), once per node. <paramref name="OriginNode"/>
/// lets the publishing node skip its own copy: it has delivered locally already.
/// </summary>
internal sealed record TopicMessage(string Topic, long OriginNode, byte[] Data);
