using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using ActorNet.Dispatch;
using Akka.Event;
using ActorNet.Connection;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Transport;

namespace ActorNet.Server;

/// <summary>
/// One server (Node's <c>net.Server</c>): listens, owns a <see cref="Listener"/> and a
/// <see cref="ConnectionSupervisor"/>, and publishes <see cref="ServerProtocol"/> events to its
/// subscribers (whoever sent Listen, Close or Subscribe). States: idle, resolving, listening, closing.
/// </summary>
public sealed class ServerActor : ReceiveActor
{
    private readonly ServerOptions _options;
    private readonly Func<IConnectionHandler> _handlerFactory;
    private readonly ITransport _transport;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<IActorRef> _subscribers = [];
    private ITransportListener? _transportListener;
    private IActorRef _listener = ActorRefs.Nobody;
    private IActorRef _supervisor = ActorRefs.Nobody;
    private Diagnostics.ServerMetrics? _metrics;
    private int _generation;
    private bool _closeWhileResolving;

    /// <summary>Creates a server; it does nothing until it gets <see cref="ServerProtocol.Listen"/>.</summary>
    public ServerActor(ServerOptions options, Func<IConnectionHandler> handlerFactory, ITransport? transport)
    {
        _options = options;
        _handlerFactory = handlerFactory;
        _transport = transport ?? TransportRegistry.Create(options.Transport, Context.System, options);
        // In a cluster, a node with a server publishes its live count, and broadcast works from the first connection:
        // both start now, since their serializers must exist before the other nodes' gossip arrives.
        if (Context.System is ExtendedActorSystem { Provider: Akka.Cluster.IClusterActorRefProvider })
        {
            _ = Cluster.ClusterCounts.Get(Context.System);
            _ = Broadcast.Topics.Get(Context.System);
        }
        Idle();
    }

    /// <summary>Props for a server with <paramref name="options"/> (already validated) and a handler factory.</summary>
    /// <param name="options">The server's options, e.g. from <see cref="ServerOptionsReader.Read"/>.</param>
    /// <param name="handlerFactory">Makes one handler per connection; null = the handler <see cref="HandlerRegistry.BuiltIn"/> has as <see cref="ServerOptions.Handler"/>.</param>
    /// <param name="transport">The transport; null = the one <see cref="ServerOptions.Transport"/> names.</param>
    /// <exception cref="ArgumentException">No handler factory and no built-in handler of that name; or no transport and
    /// <see cref="ServerOptions.Transport"/> unknown or not supported here.</exception>
    public static Props Props(ServerOptions options, Func<IConnectionHandler>? handlerFactory = null, ITransport? transport = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return handlerFactory is null ? Props(options, HandlerRegistry.BuiltIn, transport) : Create(options, handlerFactory, transport);
    }

    /// <summary>Props for a server whose handler is the one <paramref name="handlers"/> has as <see cref="ServerOptions.Handler"/>.</summary>
    /// <param name="options">The server's options, e.g. from <see cref="ServerOptionsReader.Read"/> with the same registry.</param>
    /// <param name="handlers">The registry to take the handler from, e.g. <see cref="HandlerRegistry.BuiltIn"/> with the host's own.</param>
    /// <param name="transport">The transport; null = the one <see cref="ServerOptions.Transport"/> names.</param>
    /// <exception cref="ArgumentException"><paramref name="handlers"/> has no handler of that name; or no transport and
    /// <see cref="ServerOptions.Transport"/> unknown or not supported here.</exception>
    public static Props Props(ServerOptions options, HandlerRegistry handlers, ITransport? transport = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handlers);
        var factory = handlers.Find(options.Handler) ?? throw new ArgumentException(
            $"handler \"{options.Handler}\" is not registered (registered: {string.Join(", ", handlers.Names)})", nameof(options));
        return Create(options, factory, transport);
    }

    private static Props Create(ServerOptions options, Func<IConnectionHandler> handlerFactory, ITransport? transport)
    {
        // A bad transport name throws here, on the caller's thread, rather than in the actor's constructor.
        if (transport is null) _ = TransportRegistry.Resolve(options.Transport);
        return Akka.Actor.Props.Create(() => new ServerActor(options, handlerFactory, transport));
    }

    private void Idle()
    {
        Receive<ServerProtocol.Listen>(_ => BeginListen());
        Receive<ServerProtocol.Close>(_ => Sender.Tell(new ServerProtocol.ServerError(NetError.ServerNotRunning)));
        Receive<ServerProtocol.ForceClose>(_ => { });
        CommonReceives();
    }

    private void Resolving()
    {
        Receive<Resolved>(resolved =>
        {
            if (!_closeWhileResolving)
            {
                Bind(resolved.Addresses);
                return;
            }
            // Closed before the name resolved: never listen.
            _closeWhileResolving = false;
            Become(Idle);
            Publish(ServerProtocol.Closed.Instance);
        });
        Receive<ServerProtocol.ForceClose>(_ => _closeWhileResolving = true);
        Receive<ResolveFailed>(failed => Fail(NetError.FromSocketError(failed.Error?.SocketErrorCode ?? SocketError.HostNotFound,
            "getaddrinfo") with { Address = _options.Host }));
        Receive<ServerProtocol.Listen>(_ => Sender.Tell(new ServerProtocol.ServerError(NetError.AlreadyListening)));
        Receive<ServerProtocol.Close>(_ =>
        {
            _closeWhileResolving = true;
            _subscribers.Add(Sender);
            Sender.Tell(new ServerProtocol.ServerError(NetError.ServerNotRunning));
        });
        CommonReceives();
    }

    private void Listening()
    {
        Receive<ServerProtocol.Listen>(_ => Sender.Tell(new ServerProtocol.ServerError(NetError.AlreadyListening)));
        Receive<ServerProtocol.Close>(_ => BeginClose(_options.DrainTimeout));
        Receive<ServerProtocol.ForceClose>(_ => BeginClose(TimeSpan.Zero));
        Receive<ServerProtocol.ConnectionDropped>(Publish);
        CommonReceives();
    }

    private void Closing()
    {
        Receive<ServerDrained>(Drained);
        Receive<TransportReleased>(released => Closed(released.Drained));
        Receive<ServerProtocol.ForceClose>(force => _supervisor.Forward(force));
        Receive<ServerProtocol.Listen>(_ => Sender.Tell(new ServerProtocol.ServerError(
            new NetError("ERR_SERVER_CLOSING", "listen", "the server is still draining its connections"))));
        Receive<ServerProtocol.Close>(_ =>
        {
            _subscribers.Add(Sender);
            Sender.Tell(new ServerProtocol.ServerError(NetError.ServerNotRunning));
        });
        Receive<ServerProtocol.ConnectionDropped>(Publish);
        CommonReceives();
    }

    private void CommonReceives()
    {
        Receive<ServerProtocol.Subscribe>(s => _subscribers.Add(s.Subscriber));
        Receive<ServerProtocol.GetConnectionCount>(get =>
        {
            if (_supervisor.IsNobody()) Sender.Tell(new ServerProtocol.ConnectionCount(0));
            else _supervisor.Forward(get);
        });
    }

    private void BeginListen()
    {
        _subscribers.Add(Sender);
        if (_options.Path is not null || _options.ListenDescriptor is not null || IPAddress.TryParse(_options.Host, out _)
            || _options.Transport == TransportRegistry.InMemory)
        {
            Bind(_options.Path is null && IPAddress.TryParse(_options.Host, out var address) ? [address] : []);
            return;
        }
        // Node resolves a host name first (dns.lookup) and listens on the first address.
        var self = Self;
        Dns.GetHostAddressesAsync(_options.Host).ContinueWith(t => t.IsCompletedSuccessfully
                ? new Resolved(t.Result)
                : (object)new ResolveFailed(t.Exception?.GetBaseException() as SocketException),
            TaskContinuationOptions.ExecuteSynchronously).PipeTo(self);
        Become(Resolving);
    }

    private void Bind(IReadOnlyList<IPAddress> addresses)
    {
        var spec = new ListenSpec(addresses, _options.Host, _options.Port, _options.Path, _options.Backlog, _options.ReusePort)
        {
            Descriptor = _options.ListenDescriptor,
            BusyPoll = _options.BusyPoll,
        };
        try
        {
            _transportListener = _transport.Listen(spec);
            // Tags are built once the real address is known (port 0 picks one).
            _metrics = new Diagnostics.ServerMetrics(_transportListener.LocalEndPoint);
            // A proxy sends its PROXY header before anything else, a TLS ClientHello included: it is read first.
            if (_options.ProxyProtocol != ProxyProtocolMode.Off)
                _transportListener = new Transport.Proxy.ProxyListener(_transportListener, _options.ProxyProtocol, _options.ProxyHeaderTimeout,
                    (ExtendedActorSystem)Context.System, _metrics);
            // TLS sits between any transport and the socket actors: connections reach them after the handshake.
            if (_options.Tls is { } tls)
                _transportListener = new Transport.Tls.TlsListener(_transportListener, tls, (ExtendedActorSystem)Context.System, _metrics);
        }
        catch (NetException e)
        {
            Fail(e.Error);
            return;
        }
        _generation++;
        var settings = ConnectionSettings.From(_options) with { Metrics = _metrics };
        _metrics.Register();
        // On the socket actors' dispatcher: in event-loop mode an accept is admitted on the thread that completed it,
        // and a socket actor's end reaches the count on its own loop, with no thread-pool hop per connection.
        SocketDispatch.Get(Context.System);
        var supervisorProps = ConnectionSupervisor.Props(settings, _handlerFactory, _options.MaxConnections)
            .WithDispatcher(SocketDispatch.DispatcherId);
        _supervisor = Context.ActorOf(supervisorProps, $"connections-{_generation}");
        _listener = Context.ActorOf(Server.Listener.Props(_transportListener, _supervisor), $"listener-{_generation}");
        _log.Info("Listening on {EndPoint} (handler {Handler}, transport {Transport}{Tls}{Proxy})", _transportListener.LocalEndPoint,
            _options.Handler, _options.Transport, _options.Tls is null ? "" : ", TLS",
            _options.ProxyProtocol switch { ProxyProtocolMode.On => ", PROXY protocol", ProxyProtocolMode.Optional => ", PROXY protocol optional", _ => "" });
        Become(Listening);
        Publish(new ServerProtocol.Listening(_transportListener.LocalEndPoint));
    }

    private void Fail(NetError error)
    {
        _log.Error("Server error: {Error}", error);
        Become(Idle);
        Publish(new ServerProtocol.ServerError(error));
    }

    private void BeginClose(TimeSpan deadline)
    {
        _subscribers.Add(Sender);
        var endPoint = _transportListener!.LocalEndPoint;
        // Stop accepting at once: closing the listen socket makes new connects fail with ECONNREFUSED.
        _transportListener.Close();
        Context.Stop(_listener);
        if (_metrics is not null) _metrics.Draining = true;
        _log.Info("Stopped accepting on {EndPoint}; draining (drain-timeout {DrainTimeout})", endPoint, deadline);
        Become(Closing);
        Sender.Tell(new ServerProtocol.Unbound(endPoint));
        _supervisor.Tell(new ConnectionSupervisor.StartDrain(deadline, _options.DrainGrace));
    }

    private void Drained(ServerDrained drained)
    {
        Context.Stop(_supervisor);
        _supervisor = ActorRefs.Nobody;
        _metrics?.Unregister();
        var released = _transportListener?.Drained() ?? Task.CompletedTask;
        if (released.IsCompleted) Closed(drained);
        else released.ContinueWith(_ => new TransportReleased(drained), TaskContinuationOptions.ExecuteSynchronously).PipeTo(Self);
    }

    // The transport finished closing too (or gave up): now the server is closed.
    private void Closed(ServerDrained drained)
    {
        // Only a drain that ended nothing early may say so.
        if (drained.Aborted > 0) _log.Info("Server closed: {Aborted} connections force-closed", drained.Aborted);
        else if (drained.EndedAtDeadline > 0) _log.Info("Server closed: {Ended} connections ended at the drain deadline", drained.EndedAtDeadline);
        else _log.Info("Server closed: every connection drained");
        Become(Idle);
        Publish(ServerProtocol.Closed.Instance);
    }

    private void Publish(object message)
    {
        foreach (var subscriber in _subscribers) subscriber.Tell(message, Self);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _transportListener?.Close();
        _metrics?.Unregister();
    }

    // A restart would lose the live count and drain state (supervisor) or accept on a closed socket (listener):
    // keep them as they are and log the failure.
    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Resume);

    private sealed record Resolved(IReadOnlyList<IPAddress> Addresses);

    private sealed record ResolveFailed(SocketException? Error);

    private sealed record TransportReleased(ServerDrained Drained);
}
