using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ActorNet.Tests;

/// <summary>
/// The executable's metrics export: Prometheus text at the status endpoint's <c>/metrics</c>, and OTLP to a collector
/// (here a tiny loopback HTTP receiver started by the test); its configuration errors.
/// </summary>
public sealed class MetricsExportTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ExitWithin = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Metrics_serves_the_actornet_instruments_in_Prometheus_text_with_the_values_of_the_traffic()
    {
        var statusPort = ServerProcess.FreePort();
        using var server = ServerProcess.StartReady(ServerConfig.Default.MaxConnections(1), output, null, $"actornet.status.port={statusPort}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{statusPort}"), Timeout = Short };
        var own = new[] { ("server_address", "127.0.0.1"), ("server_port", server.Port.ToString(CultureInfo.InvariantCulture)), ("network_transport", "tcp") };

        // The readiness probe was an ordinary connection: wait until its slot is free.
        var text = await WaitForMetrics(http, t => Value(t, "actornet_active_connections", own) == 0, "the readiness probe closed");
        var probes = Value(text, "actornet_accepted_connections_total", own);
        Assert.True(probes >= 1, $"the readiness probe was not counted:\n{text}");

        using (var kept = Client.Connect(server.Port))
        {
            kept.AssertEchoes("hello\n", Short);
            using (var turnedAway = Client.Connect(server.Port))
                await WaitForMetrics(http, t => Value(t, "actornet_rejected_connections_total", [.. own, ("actornet_rejection_reason", "max-connections")]) == 1,
                    "one connection rejected by max-connections");
            await WaitForMetrics(http, t => Value(t, "actornet_active_connections", own) == 1, "one connection active");
            kept.ShutdownSend();
            Assert.Equal(End.Fin, kept.ReadToEnd(Short).End);
        }

        text = await WaitForMetrics(http, t => Value(t, "actornet_connection_duration_seconds_count", [.. own, ("actornet_close_reason", "peer-end")]) == probes + 1,
            "the echo connection's close measured");
        Assert.Equal(probes + 1, Value(text, "actornet_accepted_connections_total", own));
        Assert.Equal(0, Value(text, "actornet_active_connections", own));
        Assert.Equal(6, Value(text, "actornet_connection_io_bytes_total", [.. own, ("network_io_direction", "receive")]));
        Assert.Equal(6, Value(text, "actornet_connection_io_bytes_total", [.. own, ("network_io_direction", "transmit")]));
        Assert.Equal(0, Value(text, "actornet_server_draining", own));
        Assert.Contains("# TYPE actornet_connection_duration_seconds histogram", text);
        Assert.Contains("# TYPE actornet_active_connections gauge", text);
        Assert.Contains("# TYPE actornet_accepted_connections_total counter", text);
        using (var response = await http.GetAsync("/metrics"))
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);

        server.Signal(ServerProcess.SIGTERM);
        Assert.Equal(0, server.WaitForExit(ExitWithin));
    }

    [Fact]
    public async Task Otlp_over_http_protobuf_posts_the_actornet_metrics_to_the_collectors_v1_metrics()
    {
        var collectorPort = ServerProcess.FreePort();
        using var collector = new HttpListener();
        collector.Prefixes.Add($"http://127.0.0.1:{collectorPort}/");
        collector.Start();

        using var server = ServerProcess.StartReady(ServerConfig.Default, output, null,
            $"actornet.metrics.otlp.endpoint=http://127.0.0.1:{collectorPort}", "actornet.metrics.otlp.protocol=http/protobuf",
            "actornet.metrics.otlp.interval=200ms");
        // Logged before "Listening", but read from the child's output on its own schedule.
        Assert.True(server.WaitForOutput($"Exporting metrics over OTLP (http/protobuf) to http://127.0.0.1:{collectorPort}/v1/metrics", Short),
            server.Output);
        using (var client = Client.Connect(server.Port)) client.AssertEchoes("hello\n", Short);

        // Exports come every 200 ms; one made after the connection above names the instruments it touched.
        var start = Stopwatch.GetTimestamp();
        var seen = new List<string>();
        while (true)
        {
            var remaining = TimeSpan.FromSeconds(20) - Wait.Since(start);
            if (remaining <= TimeSpan.Zero) throw new XunitException($"no OTLP export with the actornet metrics within 20 s; requests: {string.Join(", ", seen)}");
            var context = await collector.GetContextAsync().WaitAsync(remaining);
            var request = context.Request;
            using var body = new MemoryStream();
            await request.InputStream.CopyToAsync(body);
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
            seen.Add($"{request.HttpMethod} {request.Url?.AbsolutePath} {request.ContentType} {body.Length} B");
            // Protobuf keeps strings as UTF-8 bytes: the metric names and the scope (meter) name are in the body as written.
            var payload = Encoding.UTF8.GetString(body.ToArray());
            // The connection's duration is recorded at its close, after its accept and its bytes: an export that
            // has it has the others too (an earlier one may have caught the accept before any byte was counted).
            if (!payload.Contains("actornet.connection.duration", StringComparison.Ordinal)) continue;
            Assert.Equal("POST", request.HttpMethod);
            Assert.Equal("/v1/metrics", request.Url?.AbsolutePath);
            Assert.Equal("application/x-protobuf", request.ContentType);
            Assert.Contains("ActorNet", payload);
            Assert.Contains("actornet.accepted_connections", payload);
            Assert.Contains("actornet.active_connections", payload);
            Assert.Contains("actornet.connection.io", payload);
            Assert.Contains("server.port", payload);
            break;
        }

        server.Signal(ServerProcess.SIGTERM);
        Assert.Equal(0, server.WaitForExit(ExitWithin));
    }

    [Theory]
    [InlineData("actornet.metrics.otlp.endpoint=127.0.0.1:4317",
        "config error: actornet.metrics.otlp.endpoint: \"127.0.0.1:4317\" is not an http:// or https:// URL (e.g. \"http://127.0.0.1:4317\"; \"\" = off)")]
    [InlineData("actornet.metrics.otlp.protocol=thrift",
        "config error: actornet.metrics.otlp.protocol: \"thrift\" is not an OTLP protocol (grpc, http/protobuf)")]
    [InlineData("actornet.metrics.otlp.interval=10ms", "config error: actornet.metrics.otlp.interval: 10ms is too short (100ms-1h)")]
    [InlineData("actornet.metrics.otlp.interval=60", "config error: actornet.metrics.otlp.interval: \"60\" has no unit (e.g. 60s or 60ms)")]
    public void A_bad_otlp_setting_exits_2_with_a_message_naming_the_key(string setting, string expected)
    {
        using var server = ServerProcess.Start(setting);
        Assert.Equal(2, server.WaitForExit(ExitWithin));
        Assert.Contains(expected, server.Output);
    }

    /// <summary>Polls <c>/metrics</c> until <paramref name="predicate"/> holds (at most 5 s); returns that text.</summary>
    private static async Task<string> WaitForMetrics(HttpClient http, Func<string, bool> predicate, string what)
    {
        var start = Stopwatch.GetTimestamp();
        while (true)
        {
            var text = await http.GetStringAsync("/metrics");
            if (predicate(text)) return text;
            if (Wait.Since(start) > Short) throw new XunitException($"{what}: not within {Short.TotalSeconds:F0} s; last /metrics:\n{text}");
            await Task.Delay(50); // poll interval of a bounded loop (the exporter caches a scrape for 300 ms)
        }
    }

    /// <summary>The sum of the samples of <paramref name="metric"/> whose labels include <paramref name="labels"/>; null when there is none.</summary>
    private static double? Value(string text, string metric, (string Name, string Value)[] labels)
    {
        double? sum = null;
        foreach (var line in text.Split('\n'))
        {
            var match = Regex.Match(line, @"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\{(?<labels>[^}]*)\} (?<value>\S+)");
            if (!match.Success || match.Groups["name"].Value != metric) continue;
            var present = labels.All(l => match.Groups["labels"].Value.Contains($"{l.Name}=\"{l.Value}\"", StringComparison.Ordinal));
            if (present) sum = (sum ?? 0) + double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return sum;
    }
}
