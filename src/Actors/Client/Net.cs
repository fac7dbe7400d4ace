using Akka.Actor;
using ActorNet.Connection;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Transport.Sockets;

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
    /// </summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it.</exception>
    public static IActorRef Connect(IActorRefFactory factory, ConnectOptions options, IConnectionHandler handler, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        options.Validate();
        var settings = new ConnectionSettings(options.AllowHalfOpen, PauseOnConnect: false, options.IdleTimeout, options.KeepAlive,
            options.NoDelay, options.CloseTimeout, options.WriteHighWaterMark, options.MaxWriteQueue);
        var props = SocketActor.ClientProps(new SocketsConnector(options), handler, settings, SocketActor.NextConnectionId());
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
