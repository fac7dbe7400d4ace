namespace ActorNet.Options;

/// <summary>TCP keep-alive settings (SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, TCP_USER_TIMEOUT).</summary>
/// <param name="Enabled">SO_KEEPALIVE. Defaults to off.</param>
/// <param name="Idle">TCP_KEEPIDLE, in whole seconds (truncated like Node's <c>~~(ms/1000)</c>); under 1 s leaves the OS default (7200 s). At most 32767 s.</param>
/// <param name="Interval">TCP_KEEPINTVL in whole seconds; under 1 s leaves the OS default. Defaults to 1 s like libuv. At most 32767 s.</param>
/// <param name="Probes">TCP_KEEPCNT; 0 leaves the OS default. Defaults to 10 like libuv. At most 127.</param>
/// <param name="UserTimeout">TCP_USER_TIMEOUT: how long sent data may stay unacknowledged before the connection is dropped with ETIMEDOUT; 0 = OS default. Keep-alive probes are suppressed while data is unacknowledged, so set both to detect a dead peer.</param>
public sealed record KeepAliveOptions(bool Enabled, TimeSpan Idle, TimeSpan Interval, int Probes, TimeSpan UserTimeout)
{
    /// <summary>Keep-alive off, libuv's interval and probe count.</summary>
    public static KeepAliveOptions Disabled { get; } = new(false, TimeSpan.Zero, TimeSpan.FromSeconds(1), 10, TimeSpan.Zero);
}

/// <summary>
/// Everything one server needs, read once from the <c>actornet.server</c> HOCON section by
/// <see cref="ServerOptionsReader"/> and validated there; every default is in <c>hocon/reference.conf</c>.
/// </summary>
public sealed record ServerOptions
{
    /// <summary>Listen address or host name. <c>"::"</c> = dual stack, falling back to 0.0.0.0 without IPv6. Defaults to <c>"::"</c>.</summary>
    public string Host { get; init; } = "::";

    /// <summary>TCP port, 0..65535; 0 picks a free port (see <see cref="Protocol.ServerProtocol.Listening"/>). Defaults to 0.</summary>
    public int Port { get; init; }

    /// <summary>When set, listen on this Unix domain socket path instead of host and port. Defaults to empty (off).</summary>
    public string? Path { get; init; }

    /// <summary>
    /// When set, serve this inherited descriptor, a socket that is already listening, instead of opening one (Node's
    /// <c>server.listen({fd})</c>; systemd socket activation). Host, port and backlog are then the socket's own.
    /// Transports <c>sockets</c> and <c>epoll</c> only. Defaults to null (off).
    /// </summary>
    public int? ListenDescriptor { get; init; }

    /// <summary>Listen backlog, 1..65535. Defaults to 511 (Node's).</summary>
    public int Backlog { get; init; } = 511;

    /// <summary>The handler's name in the server's <see cref="Handlers.HandlerRegistry"/> (<see cref="Handlers.HandlerRegistry.BuiltIn"/> unless the host registered more). Defaults to echo.</summary>
    public string Handler { get; init; } = "echo";

    /// <summary>
    /// The socket transport, a name in <see cref="Server.TransportRegistry.Names"/>; the reader resolves <c>auto</c>
    /// (<see cref="Server.TransportRegistry.Resolve"/>). Defaults to <c>sockets</c>.
    /// </summary>
    public string Transport { get; init; } = Server.TransportRegistry.Sockets;

    /// <summary>SO_REUSEPORT on the listening socket, so several processes can share the port. Defaults to off.</summary>
    public bool ReusePort { get; init; }

    /// <summary>Node's <c>allowHalfOpen</c>: when off the socket ends its side right after the peer's FIN was handled. Defaults to off.</summary>
    public bool AllowHalfOpen { get; init; }

    /// <summary>Node's <c>pauseOnConnect</c>: nothing is read until the handler resumes. Defaults to off.</summary>
    public bool PauseOnConnect { get; init; }

    /// <summary>Live connections at most; the next is closed at once and a drop is published. 0 = unlimited (default).</summary>
    public int MaxConnections { get; init; }

    /// <summary>Idle timeout per socket (Node's <c>setTimeout</c>); it only fires Timeout. Zero = off (default).</summary>
    public TimeSpan IdleTimeout { get; init; }

    /// <summary>Keep-alive settings of every accepted socket.</summary>
    public KeepAliveOptions KeepAlive { get; init; } = KeepAliveOptions.Disabled;

    /// <summary>TCP_NODELAY on every accepted socket. Defaults to off (Node's default).</summary>
    public bool NoDelay { get; init; }

    /// <summary>How long a server close waits for connections before ending them. Zero = abort at once. Defaults to 30 s.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>After the drain deadline ended the remaining sockets, how long before they are reset. Defaults to 2 s.</summary>
    public TimeSpan DrainGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>After our FIN, how long to wait for the peer's FIN before closing anyway. Zero = wait forever. Defaults to 30 s.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Queued write bytes at which Write reports "full" and Drain follows. Defaults to 16 KiB (Node's).</summary>
    public int WriteHighWaterMark { get; init; } = 16 * 1024;

    /// <summary>Hard cap on queued write bytes per connection; past it the connection ends with ERR_WRITE_QUEUE_FULL. Defaults to 64 MiB.</summary>
    public long MaxWriteQueue { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Whether connections start with a PROXY protocol header (v1 or v2) naming the real client, as HAProxy, AWS NLB and
    /// nginx send it: with <see cref="ProxyProtocolMode.On"/> or <see cref="ProxyProtocolMode.Optional"/> a handler's
    /// <see cref="Handlers.ISocket.RemoteEndPoint"/> is that client. The header comes before TLS. Only behind a proxy:
    /// whoever can connect directly can claim any address. Defaults to <see cref="ProxyProtocolMode.Off"/>.
    /// </summary>
    public ProxyProtocolMode ProxyProtocol { get; init; }

    /// <summary>
    /// How long a connection may take to send its whole PROXY header; with <see cref="ProxyProtocolMode.On"/> it is then
    /// reset, with <see cref="ProxyProtocolMode.Optional"/> a connection that sent nothing (or only a signature's first
    /// bytes) is served as plain. Above zero. Defaults to 5 s.
    /// </summary>
    public TimeSpan ProxyHeaderTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Transport <c>epoll</c>: after handling a readiness edge, how long an event loop may poll for the next one instead
    /// of sleeping in <c>epoll_wait</c>. A request-response connection then skips the sleep and wake-up between messages
    /// (several microseconds per round trip), at the price of CPU spent polling. The window adapts: a loop whose edges
    /// come further apart than this stops polling, so an idle or lightly used server spends nothing on it. The loops are
    /// shared by every server in the process: the longest setting among the listening servers applies. Zero = never
    /// poll; at most 1 ms. Defaults to 50 µs.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Below zero or above 1 ms.</exception>
    public TimeSpan BusyPoll
    {
        get => _busyPoll;
        init => _busyPoll = value >= TimeSpan.Zero && value <= MaxBusyPoll ? value
            : throw new ArgumentOutOfRangeException(nameof(BusyPoll), value, "busy-poll must be from 0 to 1 ms");
    }

    private readonly TimeSpan _busyPoll = TimeSpan.FromMicroseconds(50);

    /// <summary>The longest <see cref="BusyPoll"/> allowed.</summary>
    public static TimeSpan MaxBusyPoll { get; } = TimeSpan.FromMilliseconds(1);

    /// <summary>TLS on every accepted connection (handlers see plaintext); null = plain TCP (the default).</summary>
    public TlsServerOptions? Tls { get; init; }
}
