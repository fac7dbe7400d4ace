using ActorNet.Options;

namespace ActorNet.Connection;

/// <summary>The per-connection part of <see cref="ServerOptions"/>.</summary>
internal sealed record ConnectionSettings(
    bool AllowHalfOpen,
    bool PauseOnConnect,
    TimeSpan IdleTimeout,
    KeepAliveOptions KeepAlive,
    bool NoDelay,
    TimeSpan CloseTimeout,
    int WriteHighWaterMark,
    long MaxWriteQueue)
{
    /// <summary>The server's metrics (set once it listens); null for client sockets, which record none.</summary>
    public Diagnostics.ServerMetrics? Metrics { get; init; }

    public static ConnectionSettings From(ServerOptions o) => new(o.AllowHalfOpen, o.PauseOnConnect, o.IdleTimeout,
        o.KeepAlive, o.NoDelay, o.CloseTimeout, o.WriteHighWaterMark, o.MaxWriteQueue);
}
