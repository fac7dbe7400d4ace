namespace ActorNet.Transport.Proxy;

/// <summary>How reading a connection's PROXY header ended.</summary>
internal abstract record ProxyOutcome
{
    /// <summary>The connection goes on to the server: with the header's client, or as plain TCP (<paramref name="Header"/> null).</summary>
    public sealed record Accepted(ProxiedConnection Connection, ProxyHeader? Header) : ProxyOutcome;

    /// <summary>
    /// The connection is to be reset. <paramref name="Reason"/> is one of the closed set below (the metric's
    /// <c>reason</c> tag); <paramref name="Detail"/> says what was wrong, for the log.
    /// </summary>
    public sealed record Rejected(string Reason, string Detail) : ProxyOutcome;

    /// <summary>With <c>on</c>: the connection started with neither signature.</summary>
    public const string Missing = "missing";

    /// <summary>A signature, then something the protocol does not allow.</summary>
    public const string Malformed = "malformed";

    /// <summary>A signature, but no header end within the length allowed.</summary>
    public const string TooLong = "too-long";

    /// <summary>No whole header within the header timeout.</summary>
    public const string Timeout = "timeout";

    /// <summary>The peer closed or reset the connection before its header was whole.</summary>
    public const string Closed = "closed";
}
