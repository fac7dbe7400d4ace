using System.Net;

namespace ActorNet.Options;

/// <summary>
/// Options of an outgoing connection (Node's <c>net.connect(options)</c>), validated by <see cref="Validate"/>
/// before anything is started.
/// </summary>
public sealed record ConnectOptions
{
    /// <summary>Host name or address; names are resolved and every address is tried in order. Defaults to <c>localhost</c>.</summary>
    public string Host { get; init; } = "localhost";

    /// <summary>Port, 1..65535 (not used with <see cref="Path"/>).</summary>
    public int Port { get; init; }

    /// <summary>A Unix domain socket path instead of host and port.</summary>
    public string? Path { get; init; }

    /// <summary>Local address to bind before connecting. Defaults to none.</summary>
    public string? LocalAddress { get; init; }

    /// <summary>Local port to bind before connecting, 0..65535 (0 = any). Defaults to 0.</summary>
    public int LocalPort { get; init; }

    /// <summary>Fail with ETIMEDOUT when the connection is not up in time. Zero = the OS's own limit (default).</summary>
    public TimeSpan ConnectTimeout { get; init; }

    /// <summary>Node's <c>allowHalfOpen</c>. Defaults to off.</summary>
    public bool AllowHalfOpen { get; init; }

    /// <summary>Idle timeout (Node's <c>timeout</c> option = setTimeout after creation). Zero = off (default).</summary>
    public TimeSpan IdleTimeout { get; init; }

    /// <summary>Keep-alive settings applied once connected.</summary>
    public KeepAliveOptions KeepAlive { get; init; } = KeepAliveOptions.Disabled;

    /// <summary>TCP_NODELAY once connected. Defaults to off.</summary>
    public bool NoDelay { get; init; }

    /// <summary>After our FIN, how long to wait for the peer's FIN. Zero = forever. Defaults to 30 s.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Queued bytes at which Write returns false. Defaults to 16 KiB.</summary>
    public int WriteHighWaterMark { get; init; } = 16 * 1024;

    /// <summary>Hard cap on queued bytes. Defaults to 64 MiB.</summary>
    public long MaxWriteQueue { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// TLS (Node's <c>tls.connect</c>): the handshake runs before the socket counts as connected, and its failures are
    /// connect errors. Null (default) = plain TCP. <see cref="ConnectTimeout"/> covers connect and handshake together.
    /// </summary>
    public TlsClientOptions? Tls { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public ConnectOptions Validate()
    {
        if (Path is null)
        {
            if (string.IsNullOrWhiteSpace(Host)) throw Bad(nameof(Host), "must not be empty");
            if (Port is < 1 or > 65535) throw Bad(nameof(Port), $"{Port} is out of range (1-65535)");
        }
        else if (Path.Length == 0) throw Bad(nameof(Path), "must not be empty");
        if (LocalAddress is not null && !IPAddress.TryParse(LocalAddress, out _))
            throw Bad(nameof(LocalAddress), $"\"{LocalAddress}\" is not an IP address");
        if (LocalPort is < 0 or > 65535) throw Bad(nameof(LocalPort), $"{LocalPort} is out of range (0-65535)");
        if (ConnectTimeout < TimeSpan.Zero) throw Bad(nameof(ConnectTimeout), "must not be negative");
        if (IdleTimeout < TimeSpan.Zero) throw Bad(nameof(IdleTimeout), "must not be negative");
        if (CloseTimeout < TimeSpan.Zero) throw Bad(nameof(CloseTimeout), "must not be negative");
        if (KeepAlive.Idle > TimeSpan.FromSeconds(32767.999) || KeepAlive.Idle < TimeSpan.Zero)
            throw Bad("KeepAlive.Idle", "is out of range (0s-32767s)");
        if (KeepAlive.Interval > TimeSpan.FromSeconds(32767.999) || KeepAlive.Interval < TimeSpan.Zero)
            throw Bad("KeepAlive.Interval", "is out of range (0s-32767s)");
        if (KeepAlive.Probes is < 0 or > 127) throw Bad("KeepAlive.Probes", $"{KeepAlive.Probes} is out of range (0-127)");
        if (KeepAlive.UserTimeout < TimeSpan.Zero || KeepAlive.UserTimeout.TotalMilliseconds > int.MaxValue)
            throw Bad("KeepAlive.UserTimeout", "is out of range");
        if (WriteHighWaterMark < 1) throw Bad(nameof(WriteHighWaterMark), "must be at least 1");
        if (MaxWriteQueue < WriteHighWaterMark) throw Bad(nameof(MaxWriteQueue), "must not be below WriteHighWaterMark");
        Tls?.Validate();
        return this;
    }

    private static ArgumentException Bad(string name, string problem) => new($"ConnectOptions.{name}: {problem}", name);
}
