using ActorNet.Bench.Micro.Support;
using ActorNet.Diagnostics;
using ActorNet.Handlers;
using BenchmarkDotNet.Attributes;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace ActorNet.Bench.Micro;

/// <summary>
/// One 64-byte echo round trip through the real server stack (ServerActor → ConnectionSupervisor → SocketActor
/// → the built-in <see cref="EchoHandler"/>) on the in-memory transport: the peer sends 64 B and waits until the
/// 64 B came back. One operation = one message echoed, so Mean is time per message (1 / ops/s) and Allocated
/// is bytes per message over the whole process (socket actor, mailbox and transport included; BenchmarkDotNet
/// counts every thread's allocations). One connection is reused for every operation. <see cref="Metrics"/>: the meter
/// <c>ActorNet</c> with no listener (<c>none</c>, the library's default), or aggregated by OpenTelemetry's SDK as the
/// executable does with its status endpoint or OTLP on (<c>otel</c>): the cost of the byte counters per message.
/// </summary>
[MemoryDiagnoser]
public class EchoRoundTripBenchmarks
{
    private const int MessageSize = 64;

    private InMemoryServer _server = null!;
    private InMemoryPeer _peer = null!;
    private readonly byte[] _message = new byte[MessageSize];
    private readonly byte[] _reply = new byte[MessageSize];

    /// <summary>Where socket actors run (see <see cref="InMemoryServer"/>).</summary>
    [Params(InMemoryServer.DefaultDispatcher, InMemoryServer.EventLoopDispatcher)]
    public string Dispatcher { get; set; } = InMemoryServer.DefaultDispatcher;

    /// <summary>Who listens to the meter ActorNet: nobody, or an OpenTelemetry meter provider.</summary>
    [Params("none", "otel")]
    public string Metrics { get; set; } = "none";

    private MeterProvider? _meters;

    [GlobalSetup]
    public void Setup()
    {
        // A reader that is never collected: measurements are aggregated as they are recorded, which is the hot-path cost.
        if (Metrics == "otel")
            _meters = Sdk.CreateMeterProviderBuilder().AddMeter(ActorNetMetrics.MeterName)
                .AddReader(new BaseExportingMetricReader(new NoExport())).Build();
        for (var i = 0; i < _message.Length; i++) _message[i] = (byte)('0' + i % 64);
        _server = InMemoryServer.Start(Dispatcher, static () => new EchoHandler());
        _peer = _server.Connect();
        // One checked round trip: the bytes come back unchanged.
        Echo64B();
        if (!_reply.AsSpan().SequenceEqual(_message)) throw new InvalidOperationException("echo returned different bytes");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _peer.Dispose();
        _server.Dispose();
        _meters?.Dispose();
    }

    [Benchmark]
    public void Echo64B()
    {
        _peer.Send(_message);
        _peer.Receive(MessageSize, _reply);
    }

    private sealed class NoExport : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch) => ExportResult.Success;
    }
}
