namespace ActorNet.Options;

/// <summary>
/// The executable's HTTP status endpoint (<c>/healthz</c>, <c>/readyz</c>, <c>/status</c>): read once from the
/// <c>actornet.status</c> HOCON section by <see cref="StatusOptionsReader"/> and validated there; every default is in
/// <c>hocon/reference.conf</c>.
/// </summary>
public sealed record StatusOptions
{
    /// <summary>Listen address or host name (resolved first; the first address is used). Defaults to 127.0.0.1.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0..65535; 0 (the default) = no status endpoint.</summary>
    public int Port { get; init; }

    /// <summary>Whether the endpoint is on (<see cref="Port"/> is not 0).</summary>
    public bool Enabled => Port != 0;
}
