using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using ActorNet.Protocol;

namespace ActorNet.Broadcast;

/// <summary>
/// One topic on one node: holds this node's receivers and fans every publication out to them as
/// <see cref="SocketProtocol.Offer"/>. In a cluster it is the node's one DistributedPubSub subscriber of the topic,
/// so a publication crosses the network once per node, not once per receiver. A receiver that does not read
/// holds nobody back: each socket queues its own bytes and is reset past <c>max-write-queue</c>.
/// </summary>
internal sealed class TopicActor : ReceiveActor
{
    private readonly HashSet<IActorRef> _receivers = [];
    private readonly string _topic;
    private readonly long _node;
    private readonly IActorRef? _mediator;

    public TopicActor(string topic, long node, IActorRef? mediator)
    {
        _topic = topic;
        _node = node;
        _mediator = mediator;
        Receive<TopicProtocol.Subscribe>(s =>
        {
            if (_receivers.Add(s.Subscriber)) Context.Watch(s.Subscriber);
        });
        Receive<TopicProtocol.Unsubscribe>(u =>
        {
            if (_receivers.Remove(u.Subscriber)) Context.Unwatch(u.Subscriber);
        });
        Receive<Terminated>(t => _receivers.Remove(t.ActorRef));
        Receive<TopicProtocol.Publish>(Publish);
        // This node's own copy comes back from the mediator too; it was delivered when published.
        Receive<TopicMessage>(m => m.OriginNode != _node, m => Deliver(m.Data, except: null));
        Receive<TopicMessage>(_ => { });
        Receive<SubscribeAck>(_ => { });
    }

    public static Props Props(string topic, long node, IActorRef? mediator) =>
        Akka.Actor.Props.Create(() => new TopicActor(topic, node, mediator));

    /// <summary>The DistributedPubSub topic of an ActorNet topic: prefixed, so it does not collide with the application's own.</summary>
    public static string MediatorTopic(string topic) => "actornet-" + topic;

    protected override void PreStart() => _mediator?.Tell(new Subscribe(MediatorTopic(_topic), Self));

    private void Publish(TopicProtocol.Publish publish)
    {
        Deliver(publish.Data, publish.Except);
        _mediator?.Tell(new Akka.Cluster.Tools.PublishSubscribe.Publish(MediatorTopic(_topic),
            new TopicMessage(_topic, _node, publish.Data.ToArray())));
    }

    private void Deliver(ReadOnlyMemory<byte> data, IActorRef? except)
    {
        // One message shared by every receiver: the bytes are never changed after publishing.
        var offer = new SocketProtocol.Offer(data);
        foreach (var receiver in _receivers)
            if (!receiver.Equals(except)) receiver.Tell(offer, ActorRefs.NoSender);
    }
}
