namespace ActorNet.Transport.Proxy;

/// <summary>What <see cref="ProxyHeaderParser.Parse"/> made of the bytes received so far.</summary>
internal enum ProxyParseStatus
{
    /// <summary>A prefix of a signature: more bytes decide whether this is a header at all.</summary>
    MaybeSignature,

    /// <summary>A whole signature, the rest of the header still to come.</summary>
    Incomplete,

    /// <summary>The bytes start with neither signature: no header.</summary>
    NotProxy,

    /// <summary>A whole, valid header (<see cref="ProxyParse.Header"/>).</summary>
    Complete,

    /// <summary>A signature followed by something the protocol does not allow (<see cref="ProxyParse.Problem"/>).</summary>
    Malformed,

    /// <summary>A signature, but no header end within the length allowed.</summary>
    TooLong,
}

/// <summary>The outcome of one parse: a status, and the header or the problem.</summary>
internal readonly record struct ProxyParse(ProxyParseStatus Status, ProxyHeader? Header = null, string? Problem = null)
{
    public static ProxyParse MaybeSignature => new(ProxyParseStatus.MaybeSignature);

    public static ProxyParse Incomplete => new(ProxyParseStatus.Incomplete);

    public static ProxyParse NotProxy => new(ProxyParseStatus.NotProxy);

    public static ProxyParse Complete(ProxyHeader header) => new(ProxyParseStatus.Complete, header);

    public static ProxyParse Malformed(string problem) => new(ProxyParseStatus.Malformed, Problem: problem);

    public static ProxyParse TooLong(string problem) => new(ProxyParseStatus.TooLong, Problem: problem);
}
