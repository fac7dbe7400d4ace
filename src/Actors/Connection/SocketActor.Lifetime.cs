using Akka.Actor;
using Akka.Event;
using ActorNet.Handlers;
using ActorNet.Transport;

namespace ActorNet.Connection;

/// <summary>How socket actors are made (Props, producers, connection ids) and what happens when a handler throws.</summary>
internal sealed partial class SocketActor
{
    /// <summary>A server-side socket: the connection is already established.</summary>
    public SocketActor(ITransportConnection connection, Func<IConnectionHandler> handlerFactory, ConnectionSettings settings, long connectionId)
    {
        _connection = connection;
        _handlerFactory = handlerFactory;
        _settings = settings;
        ConnectionId = connectionId;
    }

    /// <summary>A client socket: starts in Connecting and connects with <paramref name="connector"/>.</summary>
    public SocketActor(ITransportConnector connector, Func<IConnectionHandler> handlerFactory, ConnectionSettings settings, long connectionId)
    {
        _connector = connector;
        _life = Lifecycle.Connecting;
        _handlerFactory = handlerFactory;
        _settings = settings;
        ConnectionId = connectionId;
    }

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

    protected override void PreStart()
    {
        // Akka drops an actor whose PreStart threw without calling PostStop: a throwing handler factory (or
        // OnConnect) would leave the connection open until the GC finalized the socket.
        var started = false;
        try
        {
            Start();
            started = true;
        }
        finally
        {
            if (!started) AbortAfterFailure();
        }
    }

    // A failing handler must not get a fresh socket actor (the default for top-level actors): stop instead.
    protected override void PostRestart(Exception reason) => Context.Stop(Self);

    // Reached without Close only when the handler threw: reset, and the supervisor logs the cause.
    protected override void PostStop() => AbortAfterFailure();

    private void AbortAfterFailure()
    {
        // Akka cancels timers only in PostStop, which it skips after a failed start.
        Timers.CancelAll();
        if (_life == Lifecycle.Closed) return;
        var wasConnecting = _life == Lifecycle.Connecting;
        _life = Lifecycle.Closed;
        if (wasConnecting) _connector?.Cancel();
        else _connection.Abort();
        _queue.Clear();
        RecordFailure();
        Logger.Debug("Connection {ConnectionId} aborted after a failure", ConnectionId);
    }

}
