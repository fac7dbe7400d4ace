namespace ActorNet.Options;

/// <summary>
/// Settings of the process that hosts the servers (the <c>ActorNet.Server</c> executable), not of one server: read
/// once from the <c>actornet.host</c> HOCON section by <see cref="HostOptionsReader"/> and validated there; every
/// default is in <c>hocon/reference.conf</c>.
/// </summary>
public sealed record HostOptions
{
    /// <summary>
    /// Run socket completions on the socket engine's own threads (.NET's <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c>),
    /// for the "event-loop" mode. Defaults to off.
    /// </summary>
    public bool InlineSocketCompletions { get; init; }

    /// <summary>
    /// Bytes allocated since the last trim after which a quiet second gives memory back to the OS (one aggressive
    /// full GC). 0 = off (default).
    /// </summary>
    public long IdleMemoryTrimBytes { get; init; }

    /// <summary>
    /// How the executable writes its log on stdout: <see cref="LogFormat.Text"/> (default) or <see cref="LogFormat.Json"/>,
    /// one compact JSON object per line.
    /// </summary>
    public LogFormat LogFormat { get; init; }
}
