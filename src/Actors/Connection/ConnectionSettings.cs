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
    public static ConnectionSettings From(ServerOptions o) => new(o.AllowHalfOpen, o.PauseOnConnect, o.IdleTimeout,
        o.KeepAlive, o.NoDelay, o.CloseTimeout, o.WriteHighWaterMark, o.MaxWriteQueue);
}
