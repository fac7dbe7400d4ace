using System.Net;

namespace ActorNet.Protocol;

/// <summary>Messages of a server actor: commands to it and the events it publishes to its subscribers.</summary>
public static class ServerProtocol
{
    /// <summary>Bind and listen with the server's options; the sender gets <see cref="Listening"/> or <see cref="ServerError"/>, and is subscribed.</summary>
    public sealed record Listen
    {
        /// <summary>The single instance.</summary>
        public static Listen Instance { get; } = new();
    }

    /// <summary>
    /// Stop accepting now (new connects are refused), keep live connections, publish <see cref="Closed"/> once drained.
    /// The sender gets <see cref="Unbound"/> at once (or <see cref="ServerError"/> with ERR_SERVER_NOT_RUNNING) and is subscribed.
    /// </summary>
    public sealed record Close
    {
        /// <summary>The single instance.</summary>
        public static Close Instance { get; } = new();
    }

    /// <summary>Abort every live connection now (a second signal during a drain).</summary>
    public sealed record ForceClose
    {
        /// <summary>The single instance.</summary>
        public static ForceClose Instance { get; } = new();
    }

    /// <summary>Receive this server's events.</summary>
    public sealed record Subscribe(Akka.Actor.IActorRef Subscriber);

    /// <summary>Ask for the number of live connections; replies <see cref="ConnectionCount"/>.</summary>
    public sealed record GetConnectionCount
    {
        /// <summary>The single instance.</summary>
        public static GetConnectionCount Instance { get; } = new();
    }

    /// <summary>Reply to <see cref="GetConnectionCount"/>.</summary>
    public sealed record ConnectionCount(int Live);

    /// <summary>The server listens on <paramref name="EndPoint"/> (the real port when 0 was asked for).</summary>
    public sealed record Listening(EndPoint EndPoint);

    /// <summary>The listen socket is closed; live connections are draining.</summary>
    public sealed record Unbound(EndPoint EndPoint);

    /// <summary>A server-level error (bind/listen failure, accept error, close while not running).</summary>
    public sealed record ServerError(NetError Error);

    /// <summary>A connection was closed at once because <c>max-connections</c> were live.</summary>
    public sealed record ConnectionDropped(EndPoint? LocalEndPoint, EndPoint? RemoteEndPoint, int Live);

    /// <summary>The server was closed and every connection is gone.</summary>
    public sealed record Closed
    {
        /// <summary>The single instance.</summary>
        public static Closed Instance { get; } = new();
    }
}
