using Akka.Actor;
using ActorNet.Handlers;
using ActorNet.Transport;

namespace ActorNet.Connection;

/// <summary>How socket actors are made: Props, producers and connection ids.</summary>
internal sealed partial class SocketActor
{
    private static long _lastConnectionId;

    /// <summary>A connection id unique in this process.</summary>
    public static long NextConnectionId() => Interlocked.Increment(ref _lastConnectionId);

    public ITimerScheduler Timers { get; set; } = null!;

    // One Props per connection: a producer calls the constructor directly instead of Props.Create's
    // expression-tree walk and reflection, which is measurable in connection churn (bench scenario e).
    // The handler is made inside the actor (PreStart): a factory that throws fails this connection only,
    // which its supervisor stops and PostStop resets.
    public static Props Props(ITransportConnection connection, Func<IConnectionHandler> handlerFactory, ConnectionSettings settings, long id) =>
        Akka.Actor.Props.CreateBy(new ServerSocketProducer(connection, handlerFactory, settings, id));

    public static Props Props(ITransportConnection connection, IConnectionHandler handler, ConnectionSettings settings, long id) =>
        Props(connection, () => handler, settings, id);

    public static Props ClientProps(ITransportConnector connector, IConnectionHandler handler, ConnectionSettings settings, long id) =>
        Akka.Actor.Props.CreateBy(new ClientSocketProducer(connector, handler, settings, id));

    // Holds the arguments itself (no closure and delegate per connection: they live as long as the actor).
    private sealed class ServerSocketProducer(ITransportConnection connection, Func<IConnectionHandler> handlerFactory,
        ConnectionSettings settings, long id) : IIndirectActorProducer
    {
        public Type ActorType => typeof(SocketActor);

        public ActorBase Produce() => new SocketActor(connection, handlerFactory, settings, id);

        public void Release(ActorBase actor) { }
    }

    private sealed class ClientSocketProducer(ITransportConnector connector, IConnectionHandler handler,
        ConnectionSettings settings, long id) : IIndirectActorProducer
    {
        public Type ActorType => typeof(SocketActor);

        public ActorBase Produce() => new SocketActor(connector, () => handler, settings, id);

        public void Release(ActorBase actor) { }
    }
}
