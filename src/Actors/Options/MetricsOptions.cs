namespace ActorNet.Options;

/// <summary>
/// The executable's metrics export (<c>actornet.metrics</c>): read once by <see cref="MetricsOptionsReader"/> and
/// validated there; every default is in <c>hocon/reference.conf</c>. Prometheus text at the status endpoint's
/// <c>/metrics</c> needs no key: it is served whenever the status endpoint is on.
/// </summary>
public sealed record MetricsOptions
{
    /// <summary>The OTLP collector's URL (http or https); null (the default) = no OTLP export.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>How metrics are sent to <see cref="OtlpEndpoint"/>. Defaults to <see cref="OtlpProtocol.Grpc"/>.</summary>
    public OtlpProtocol OtlpProtocol { get; init; } = OtlpProtocol.Grpc;

    /// <summary>How often metrics are exported over OTLP, 100 ms to 1 h. Defaults to 60 s (OpenTelemetry's default).</summary>
    public TimeSpan OtlpInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Whether OTLP export is on (<see cref="OtlpEndpoint"/> is set).</summary>
    public bool OtlpEnabled => OtlpEndpoint is not null;
}

/// <summary>The OTLP transports (the values of <c>actornet.metrics.otlp.protocol</c>).</summary>
public enum OtlpProtocol
{
    /// <summary><c>grpc</c>: OTLP over gRPC (collectors listen on 4317).</summary>
    Grpc,

    /// <summary><c>http/protobuf</c>: OTLP over HTTP with protobuf bodies (collectors listen on 4318, path <c>/v1/metrics</c>).</summary>
    HttpProtobuf,
}
