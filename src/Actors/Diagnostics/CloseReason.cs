namespace ActorNet.Diagnostics;

/// <summary>
/// How a connection closed: the closed set of <c>actornet.close.reason</c> values on <c>actornet.connection.duration</c>,
/// derived from the socket actor's close paths (docs/socket-states.md). The first cause wins, except that an error
/// decides: a connection that failed is <see cref="Reset"/> or <see cref="Error"/> whatever started its end.
/// </summary>
internal enum CloseReason : byte
{
    /// <summary><c>end</c>: our side ended first (the handler's End or Destroy), then the connection closed.</summary>
    End,

    /// <summary><c>peer-end</c>: the peer's FIN came first (also a paused socket whose peer closed).</summary>
    PeerEnd,

    /// <summary><c>timeout</c>: the handler ended or destroyed the connection in its idle-timeout callback.</summary>
    Timeout,

    /// <summary><c>drain</c>: the server's drain deadline ended it, or the server's close reset it.</summary>
    Drain,

    /// <summary><c>reset</c>: the peer reset it (<c>ECONNRESET</c>, also the tag <c>error.type</c>).</summary>
    Reset,

    /// <summary><c>error</c>: any other error, named by <c>error.type</c> (Node's code, e.g. <c>EPIPE</c>; <c>_OTHER</c> for a handler that threw).</summary>
    Error,
}

/// <summary>Why a connection was turned away: the values of <c>actornet.rejection.reason</c> on <c>actornet.rejected_connections</c>.</summary>
internal enum RejectionReason
{
    /// <summary><c>max-connections</c>: that many connections were live.</summary>
    MaxConnections,

    /// <summary><c>draining</c>: the server had stopped accepting and was draining.</summary>
    Draining,

    /// <summary><c>open-files</c>: at the open-files limit (docs/architecture.md, "At the open-files limit").</summary>
    OpenFiles,
}
