using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;

namespace ActorNet.Diagnostics;

/// <summary>
/// One listening server's view of <see cref="ActorNetMetrics"/>: every tag list its instruments need, built once when it
/// binds (<c>server.address</c>, <c>server.port</c>, <c>network.transport</c>), so recording allocates nothing. It also
/// is the server's <c>actornet.server.draining</c> series while it is registered (from the bind until it closes).
/// </summary>
internal sealed class ServerMetrics
{
    private const string ErrorTypeTag = "error.type";

    // The servers the draining gauge reports on; a handful at most, read once per collection.
    private static readonly List<ServerMetrics> Registered = [];

    private readonly KeyValuePair<string, object?>[] _connection;
    private readonly KeyValuePair<string, object?>[] _receive;
    private readonly KeyValuePair<string, object?>[] _transmit;
    private readonly KeyValuePair<string, object?>[][] _closed;
    private readonly KeyValuePair<string, object?>[][] _rejected;
    private volatile bool _draining;

    /// <summary>Tags for a server listening on <paramref name="endPoint"/> (IP: tcp; Unix domain socket: unix; else inproc).</summary>
    public ServerMetrics(EndPoint endPoint)
    {
        _connection = endPoint switch
        {
            IPEndPoint ip => [Tag("server.address", ip.Address.ToString()), Tag("server.port", ip.Port), Tag("network.transport", "tcp")],
            UnixDomainSocketEndPoint unix => [Tag("server.address", unix.ToString()), Tag("network.transport", "unix")],
            _ => [Tag("server.address", endPoint.ToString() ?? ""), Tag("network.transport", "inproc")],
        };
        _receive = With(Tag("network.io.direction", "receive"));
        _transmit = With(Tag("network.io.direction", "transmit"));
        _closed = Enum.GetValues<CloseReason>().Select(r => With(Tag(ActorNetMetrics.CloseReasonTag, Name(r)))).ToArray();
        _rejected = Enum.GetValues<RejectionReason>().Select(r => With(Tag(ActorNetMetrics.RejectionReasonTag, Name(r)))).ToArray();
    }

    /// <summary>Whether the server drains now (the <c>actornet.server.draining</c> value).</summary>
    public bool Draining
    {
        get => _draining;
        set => _draining = value;
    }

    /// <summary>Starts reporting this server in <c>actornet.server.draining</c>.</summary>
    public void Register()
    {
        lock (Registered) if (!Registered.Contains(this)) Registered.Add(this);
    }

    /// <summary>Stops reporting this server (it closed).</summary>
    public void Unregister()
    {
        lock (Registered) Registered.Remove(this);
    }

    public void Accepted()
    {
        ActorNetMetrics.AcceptedConnections.Add(1, _connection);
        ActorNetMetrics.ActiveConnections.Add(1, _connection);
    }

    /// <summary><paramref name="count"/> connections stopped counting as active.</summary>
    public void Released(int count) => ActorNetMetrics.ActiveConnections.Add(-count, _connection);

    public void Rejected(RejectionReason reason) => ActorNetMetrics.RejectedConnections.Add(1, _rejected[(int)reason]);

    public void Received(long bytes) => ActorNetMetrics.ConnectionIo.Add(bytes, _receive);

    public void Transmitted(long bytes) => ActorNetMetrics.ConnectionIo.Add(bytes, _transmit);

    /// <summary>Records a closed connection that started at <paramref name="startedAt"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    public void Closed(long startedAt, CloseReason reason, string? errorType)
    {
        var histogram = ActorNetMetrics.ConnectionDuration;
        if (!histogram.Enabled) return;
        var seconds = Stopwatch.GetElapsedTime(startedAt).TotalSeconds;
        if (errorType is null)
        {
            histogram.Record(seconds, _closed[(int)reason]);
            return;
        }
        // Only closes with an error build a list, on the stack (TagList holds up to 8 without allocating).
        var tags = new TagList(_closed[(int)reason]) { { ErrorTypeTag, errorType } };
        histogram.Record(seconds, tags);
    }

    public void TlsHandshakeStarted() => ActorNetMetrics.ActiveTlsHandshakes.Add(1, _connection);

    public void TlsHandshakeSucceeded(long startedAt, string protocol)
    {
        ActorNetMetrics.ActiveTlsHandshakes.Add(-1, _connection);
        if (!ActorNetMetrics.TlsHandshakeDuration.Enabled) return;
        // Semantic conventions spell the version alone: TLSv1.3 is "1.3".
        var version = protocol.StartsWith("TLSv", StringComparison.Ordinal) ? protocol[4..] : protocol;
        var tags = new TagList(_connection) { { "tls.protocol.version", version } };
        ActorNetMetrics.TlsHandshakeDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, tags);
    }

    /// <summary>A failed handshake; <paramref name="errorType"/> is <c>timeout</c> or the exception's type name.</summary>
    public void TlsHandshakeFailed(string errorType)
    {
        ActorNetMetrics.ActiveTlsHandshakes.Add(-1, _connection);
        if (!ActorNetMetrics.FailedTlsHandshakes.Enabled) return;
        var tags = new TagList(_connection) { { ErrorTypeTag, errorType } };
        ActorNetMetrics.FailedTlsHandshakes.Add(1, tags);
    }

    /// <summary>A rejected PROXY header, under one of <see cref="Transport.Proxy.ProxyOutcome"/>'s reasons.</summary>
    public void ProxyHeaderRejected(string reason)
    {
        if (!ActorNetMetrics.RejectedProxyHeaders.Enabled) return;
        var tags = new TagList(_connection) { { ActorNetMetrics.RejectionReasonTag, reason } };
        ActorNetMetrics.RejectedProxyHeaders.Add(1, tags);
    }

    internal static IEnumerable<Measurement<int>> ObserveDraining()
    {
        lock (Registered) return Registered.Select(s => new Measurement<int>(s._draining ? 1 : 0, s._connection)).ToArray();
    }

    internal static string Name(CloseReason reason) => reason switch
    {
        CloseReason.End => "end",
        CloseReason.PeerEnd => "peer-end",
        CloseReason.Timeout => "timeout",
        CloseReason.Drain => "drain",
        CloseReason.Reset => "reset",
        _ => "error",
    };

    internal static string Name(RejectionReason reason) => reason switch
    {
        RejectionReason.MaxConnections => "max-connections",
        RejectionReason.Draining => "draining",
        _ => "open-files",
    };

    private KeyValuePair<string, object?>[] With(KeyValuePair<string, object?> tag) => [.. _connection, tag];

    private static KeyValuePair<string, object?> Tag(string key, object value) => new(key, value);
}
