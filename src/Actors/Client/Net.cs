using Akka.Actor;
using ActorNet.Connection;
using ActorNet.Dispatch;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Transport;
using ActorNet.Transport.Sockets;
using ActorNet.Transport.Tls;

namespace ActorNet;

/// <summary>
/// Outgoing connections (Node's <c>net.connect</c>) on the same socket actor as the server side:
/// it starts in Connecting, queues writes and End until connected, then behaves exactly like an accepted socket.
/// </summary>
public static class Net
{
    /// <summary>
    /// Starts a client socket actor. Events go to <paramref name="handler"/> (use <see cref="ForwardingHandler"/>
    /// to receive them as messages); failures arrive as OnError (ECONNREFUSED, ETIMEDOUT, ENOTFOUND,
    /// EADDRINUSE on bind, ...) then OnClose(true). Nothing throws on the caller's thread but bad options.
    /// With <see cref="ConnectOptions.Tls"/> the socket is connected once its TLS handshake is done (Node's
    /// <c>tls.connect</c>); a refused certificate or failed handshake is a connect error with Node's code
    /// (<c>DEPTH_ZERO_SELF_SIGNED_CERT</c>, <c>CERT_HAS_EXPIRED</c>, <c>ERR_TLS_CERT_ALTNAME_INVALID</c>, <c>ERR_SSL_...</c>, ...).
    /// </summary>
    /// <remarks>The socket actor runs where accepted ones do (<see cref="SocketDispatch"/>).</remarks>
    /// <param name="factory">An ActorSystem or an actor's Context; the socket actor is created there.</param>
    /// <param name="options">Where to connect and how.</param>
    /// <param name="handler">Gets the socket's events.</param>
    /// <param name="name">The socket actor's name; null = a generated one.</param>
    /// <exception cref="ArgumentException">An option is out of range (the message names it), or the factory is neither.</exception>
    public static IActorRef Connect(IActorRefFactory factory, ConnectOptions options, IConnectionHandler handler, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        options.Validate();
        var settings = new ConnectionSettings(options.AllowHalfOpen, PauseOnConnect: false, options.IdleTimeout, options.KeepAlive,
            options.NoDelay, options.CloseTimeout, options.WriteHighWaterMark, options.MaxWriteQueue);
        var system = factory switch
        {
            ActorSystem s => s,
            IActorContext context => context.System,
            _ => throw new ArgumentException("expected an ActorSystem or an actor's Context", nameof(factory)),
        };
        ITransportConnector connector = new SocketsConnector(options);
        // TLS: the handshake runs between the transport's connect and the socket actor's Connected (Node's tls.connect).
        if (options.Tls is not null) connector = new TlsConnector(connector, options, ((ExtendedActorSystem)system).Provider);
        var props = SocketDispatch.Get(system).WithSocketDispatcher(
            SocketActor.ClientProps(connector, handler, settings, SocketActor.NextConnectionId()));
        return name is null ? factory.ActorOf(props) : factory.ActorOf(props, name);
    }

    /// <summary>
    /// Like <see cref="Connect"/>, for callers outside actors: the task completes with the socket actor once
    /// connected, or faults with <see cref="Transport.NetException"/> carrying Node's error.
    /// </summary>
    public static Task<IActorRef> ConnectAsync(IActorRefFactory factory, ConnectOptions options, IConnectionHandler handler, string? name = null)
    {
        var awaiter = new ConnectAwaiter(handler);
        Connect(factory, options, awaiter, name);
        return awaiter.Connected;
    }
}
