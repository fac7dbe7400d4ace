using System.Collections.Concurrent;
using System.Security.Cryptography;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using ActorNet.Protocol;

namespace ActorNet.Broadcast;

/// <summary>
/// Broadcast of bytes to every subscribed connection, on this node or, when the ActorSystem is a cluster member
/// (<c>akka.actor.provider = cluster</c>), on every node of the cluster through DistributedPubSub. Each topic has one
/// actor per node that fans publications out to that node's subscribers as <see cref="SocketProtocol.Offer"/>, so
/// a publication crosses the network once per node. Publications from one publisher reach each subscriber in the
/// order published. A subscriber that does not read never slows the others: its socket queues the bytes and is
/// reset with <c>ERR_WRITE_QUEUE_FULL</c> past <c>max-write-queue</c>. In a cluster, a node's first server starts
/// it (the other nodes' gossip needs it at once); a node without a server calls <see cref="Get"/> at start-up.
/// </summary>
/// <example>
/// <code>
/// var topics = Topics.Get(system);
/// topics.Subscribe("news", socket.Self);                       // e.g. in a handler's OnConnect
/// topics.Publish("news", "hello\n"u8.ToArray(), except: socket.Self);
/// </code>
/// </example>
public sealed class Topics : IExtension
{
    /// <summary>The longest topic name, in characters.</summary>
    public const int MaxTopicLength = 256;

    private readonly ExtendedActorSystem _system;
    private readonly IActorRef? _mediator;
    private readonly long _node = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8));
    private readonly ConcurrentDictionary<string, Lazy<IActorRef>> _topics = new(StringComparer.Ordinal);

    internal Topics(ExtendedActorSystem system)
    {
        _system = system;
        Clustered = system.Provider is IClusterActorRefProvider;
        if (!Clustered) return;
        var serializer = new TopicMessageSerializer(system);
        system.Serialization.AddSerializer("actornet-topic", serializer);
        system.Serialization.AddSerializationMap(typeof(TopicMessage), serializer);
        _mediator = DistributedPubSub.Get(system).Mediator;
    }

    /// <summary>True when publications reach every node of the cluster, false when they stay on this node.</summary>
    public bool Clustered { get; }

    /// <summary>The extension of <paramref name="system"/>.</summary>
    public static Topics Get(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return system.WithExtension<Topics, TopicsProvider>();
    }

    /// <summary>
    /// <paramref name="subscriber"/> (a socket actor, <see cref="Handlers.ISocket.Self"/>, or any actor that takes
    /// <see cref="SocketProtocol.Offer"/>) receives every publication on <paramref name="topic"/> from now on, until it
    /// unsubscribes or stops. Subscribing twice is the same as once. In a cluster, the other nodes learn of a
    /// node's first subscriber of a topic by gossip, within a few seconds.
    /// </summary>
    /// <exception cref="ArgumentException">The topic name is empty or longer than <see cref="MaxTopicLength"/>.</exception>
    public void Subscribe(string topic, IActorRef subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        TopicActor(topic).Tell(new TopicProtocol.Subscribe(subscriber));
    }

    /// <summary>Stops deliveries to <paramref name="subscriber"/> on <paramref name="topic"/>; a subscriber that stops is removed by itself.</summary>
    /// <exception cref="ArgumentException">The topic name is empty or longer than <see cref="MaxTopicLength"/>.</exception>
    public void Unsubscribe(string topic, IActorRef subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        TopicActor(topic).Tell(new TopicProtocol.Unsubscribe(subscriber));
    }

    /// <summary>
    /// Sends <paramref name="data"/> to every subscriber of <paramref name="topic"/> on every node, except
    /// <paramref name="except"/> (usually the publishing socket). The bytes must not change afterwards: they are
    /// shared, not copied, on this node.
    /// </summary>
    /// <exception cref="ArgumentException">The topic name is empty or longer than <see cref="MaxTopicLength"/>.</exception>
    public void Publish(string topic, ReadOnlyMemory<byte> data, IActorRef? except = null) =>
        TopicActor(topic).Tell(new TopicProtocol.Publish(data, except));

    private IActorRef TopicActor(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (topic.Length is 0 or > MaxTopicLength)
            throw new ArgumentException($"topic name must have 1 to {MaxTopicLength} characters (got {topic.Length})", nameof(topic));
        return _topics.GetOrAdd(topic, t => new Lazy<IActorRef>(() =>
            _system.SystemActorOf(Broadcast.TopicActor.Props(t, _node, _mediator), "actornet-topic-" + Uri.EscapeDataString(t)))).Value;
    }
}
