using ActorNet.Diagnostics;
using ActorNet.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Serilog;

namespace ActorNet.Server;

/// <summary>
/// OTLP export of the meter <c>ActorNet</c> (<c>actornet.metrics.otlp</c>): a meter provider of its own, apart from the
/// status endpoint's, so it needs no ASP.NET. Stopping it sends the last values once more, within a bound.
/// </summary>
internal sealed class OtlpExport : IDisposable
{
    // The last export at exit must not hold the process long when the collector is gone (docs/contract.md: the exit
    // follows the drain within 3 s).
    private const int ShutdownTimeoutMs = 1000;

    private readonly MeterProvider _provider;

    private OtlpExport(MeterProvider provider) => _provider = provider;

    /// <summary>Starts exporting as <paramref name="options"/> say; null when OTLP export is off.</summary>
    public static OtlpExport? Start(MetricsOptions options, string serviceVersion)
    {
        if (options.OtlpEndpoint is not { } configured) return null;
        var protocol = options.OtlpProtocol == OtlpProtocol.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        var endpoint = Endpoint(configured, options.OtlpProtocol);
        var interval = (int)options.OtlpInterval.TotalMilliseconds;
        var provider = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource.AddService("ActorNet.Server", serviceVersion: serviceVersion))
            .AddMeter(ActorNetMetrics.MeterName)
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = endpoint;
                exporter.Protocol = protocol;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = interval;
            })
            .Build();
        Log.Information("Exporting metrics over OTLP ({Protocol}) to {Endpoint} every {Interval}", ProtocolName(options.OtlpProtocol),
            endpoint, options.OtlpInterval);
        return new OtlpExport(provider);
    }

    public void Dispose()
    {
        _provider.Shutdown(ShutdownTimeoutMs);
        _provider.Dispose();
    }

    // Set in code, the exporter posts to the URL as given; OTLP/HTTP collectors take metrics at /v1/metrics, which
    // the OTEL_EXPORTER_OTLP_ENDPOINT convention adds to a base URL: so does a URL without a path here.
    private static Uri Endpoint(Uri configured, OtlpProtocol protocol) =>
        protocol == OtlpProtocol.HttpProtobuf && configured.AbsolutePath == "/" ? new Uri(configured, "/v1/metrics") : configured;

    private static string ProtocolName(OtlpProtocol protocol) => protocol == OtlpProtocol.Grpc ? "grpc" : "http/protobuf";
}
