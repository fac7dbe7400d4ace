using System.Diagnostics.Metrics;

namespace ActorNet.Diagnostics;

/// <summary>
/// ActorNet's instruments under the meter <c>ActorNet</c>, readable as they are by dotnet-counters and
/// OpenTelemetry. Nothing is recorded per byte: byte totals are added when a connection closes.
/// </summary>
public static class ActorNetMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ActorNet";

    private static readonly Meter Meter = new(MeterName);

    internal static readonly UpDownCounter<long> Active =
        Meter.CreateUpDownCounter<long>("actornet.connections.active", "{connection}", "Connections live now");

    internal static readonly Counter<long> Accepted =
        Meter.CreateCounter<long>("actornet.connections.accepted", "{connection}", "Connections handed to a handler");

    internal static readonly Counter<long> Dropped =
        Meter.CreateCounter<long>("actornet.connections.dropped", "{connection}", "Connections closed at once by max-connections");

    internal static readonly Counter<long> TlsHandshakesFailed =
        Meter.CreateCounter<long>("actornet.tls.handshakes.failed", "{handshake}", "TLS handshakes that failed or timed out; the connection was closed");

    internal static readonly Histogram<double> TlsHandshakeDuration =
        Meter.CreateHistogram<double>("actornet.tls.handshake.duration", "s", "Duration of successful TLS handshakes");

    internal static readonly Counter<long> ProxyHeadersRejected =
        Meter.CreateCounter<long>("actornet.proxy.headers.rejected", "{connection}",
            "Connections reset for a missing, malformed, too long or late PROXY header; tagged reason");

    internal static readonly Counter<long> BytesRead =
        Meter.CreateCounter<long>("actornet.bytes.read", "By", "Bytes read from peers (added when a connection closes)");

    internal static readonly Counter<long> BytesWritten =
        Meter.CreateCounter<long>("actornet.bytes.written", "By", "Bytes written to peers (added when a connection closes)");
}
