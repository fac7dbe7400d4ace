using System.Diagnostics.Metrics;

namespace ActorNet.Diagnostics;

/// <summary>
/// ActorNet's instruments under the meter <c>ActorNet</c>, named and shaped after Kestrel's connection metrics
/// (OpenTelemetry semantic conventions) with the <c>actornet.</c> prefix, and readable as they are by dotnet-counters
/// (<c>--counters actornet</c>: meter names match case-insensitively) and OpenTelemetry (<c>AddMeter("ActorNet")</c>).
/// Connection instruments carry <c>server.address</c>, <c>server.port</c> and <c>network.transport</c>, built once per
/// server (<see cref="ServerMetrics"/>). Nothing is recorded per byte: byte counts are added once per socket-actor
/// message (a read batch, a write completion).
/// </summary>
public static class ActorNetMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ActorNet";

    /// <summary>Tag: how a connection closed (<see cref="CloseReason"/>).</summary>
    public const string CloseReasonTag = "actornet.close.reason";

    /// <summary>Tag: why a connection or a PROXY header was turned away.</summary>
    public const string RejectionReasonTag = "actornet.rejection.reason";

    // Kestrel's boundaries for kestrel.connection.duration: from 10 ms to 5 minutes.
    private static readonly double[] ConnectionDurationBuckets = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

    // Kestrel's boundaries for kestrel.tls_handshake.duration (the HTTP server's request-duration ones).
    private static readonly double[] HandshakeDurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private static readonly Meter Meter = new(MeterName);

    internal static readonly UpDownCounter<long> ActiveConnections =
        Meter.CreateUpDownCounter<long>("actornet.active_connections", "{connection}", "Connections handed to a handler and not yet closed");

    internal static readonly Histogram<double> ConnectionDuration = Meter.CreateHistogram<double>("actornet.connection.duration", "s",
        "Duration of connections, from the handler's connect to the close; tagged with how they closed",
        tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = ConnectionDurationBuckets });

    internal static readonly Counter<long> AcceptedConnections =
        Meter.CreateCounter<long>("actornet.accepted_connections", "{connection}", "Connections handed to a handler");

    internal static readonly Counter<long> RejectedConnections = Meter.CreateCounter<long>("actornet.rejected_connections", "{connection}",
        "Connections closed at once: past max-connections, while the server drains, or at the open-files limit");

    internal static readonly Counter<long> ConnectionIo = Meter.CreateCounter<long>("actornet.connection.io", "By",
        "Bytes read from (receive) and written to (transmit) peers, counted as they go");

    internal static readonly Histogram<double> TlsHandshakeDuration = Meter.CreateHistogram<double>("actornet.tls_handshake.duration", "s",
        "Duration of successful TLS handshakes", tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = HandshakeDurationBuckets });

    internal static readonly UpDownCounter<long> ActiveTlsHandshakes =
        Meter.CreateUpDownCounter<long>("actornet.active_tls_handshakes", "{handshake}", "TLS handshakes in progress");

    internal static readonly Counter<long> FailedTlsHandshakes = Meter.CreateCounter<long>("actornet.failed_tls_handshakes", "{handshake}",
        "TLS handshakes that failed or timed out; the connection was closed");

    internal static readonly Counter<long> RejectedProxyHeaders = Meter.CreateCounter<long>("actornet.proxy.rejected_headers", "{connection}",
        "Connections reset for a missing, malformed, too long or late PROXY header, or closed before it");

    internal static readonly ObservableGauge<int> Draining = Meter.CreateObservableGauge("actornet.server.draining",
        ServerMetrics.ObserveDraining, "{server}", "1 while a server drains (stopped accepting, serving what is live), else 0");
}
