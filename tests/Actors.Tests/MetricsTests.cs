using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Diagnostics.Tracing;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using ActorNet.Diagnostics;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>
/// Every instrument of the meter <c>ActorNet</c>, read with a <see cref="MeterListener"/> after real traffic over loopback:
/// values and tags. Other tests' servers record into the same instruments, so each test reads its own server's series
/// (by <c>server.port</c>).
/// </summary>
[Collection(Proxy.ProxyProtocolTests.RejectionsCollection)]
public sealed class MetricsTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public void Connections_are_counted_with_the_servers_tags_as_they_are_accepted_echo_are_rejected_reset_and_drained()
    {
        using var meters = new Recorder();
        var (server, endPoint) = Listen(Loopback0 with { MaxConnections = 2, DrainTimeout = TimeSpan.FromSeconds(1) });
        var port = PortOf(endPoint);

        // A: 5 bytes echoed, counted while the connection is still open; then the client's FIN comes first.
        using (var a = Loopback.Connect(endPoint))
        {
            a.Send("hello"u8);
            Assert.Equal("hello"u8.ToArray(), Loopback.ReadExactly(a, 5));
            AwaitAssert(() =>
            {
                Assert.Equal(5, meters.Sum(port, "actornet.connection.io", ("network.io.direction", "receive")));
                Assert.Equal(5, meters.Sum(port, "actornet.connection.io", ("network.io.direction", "transmit")));
                Assert.Equal(1, meters.Sum(port, "actornet.active_connections"));
            }, Wait);
            a.Shutdown(SocketShutdown.Send);
            Loopback.ExpectEof(a);
        }
        // A's slot is free only once its socket actor has stopped, a moment after both FINs.
        AwaitLiveCount(server, 0);

        // B and C live, D past max-connections; then B resets.
        using var b = Loopback.Connect(endPoint);
        using var c = Loopback.Connect(endPoint);
        AwaitLiveCount(server, 2);
        using (Loopback.Connect(endPoint)) ExpectMsg<ServerProtocol.ConnectionDropped>(Wait);
        b.Send("abc"u8);
        Assert.Equal("abc"u8.ToArray(), Loopback.ReadExactly(b, 3));
        Loopback.Reset(b);
        AwaitLiveCount(server, 1);

        // The drain: reported as draining until it is over; C is ended at the deadline.
        server.Tell(ServerProtocol.Close.Instance, TestActor);
        ExpectMsg<ServerProtocol.Unbound>(Wait);
        Assert.Equal(1, Assert.Single(meters.Draining(port)));
        Loopback.ExpectEof(c);
        c.Close();
        ExpectMsg<ServerProtocol.Closed>(Wait);
        Assert.Empty(meters.Draining(port));

        AwaitAssert(() => Assert.Equal(3, meters.Count(port, "actornet.connection.duration")), Wait);
        Assert.Equal(3, meters.Sum(port, "actornet.accepted_connections"));
        Assert.Equal(0, meters.Sum(port, "actornet.active_connections"));
        Assert.Equal(2, meters.Max(port, "actornet.active_connections"));
        Assert.Equal(1, meters.Sum(port, "actornet.rejected_connections", (ActorNetMetrics.RejectionReasonTag, "max-connections")));
        Assert.Equal(1, meters.Sum(port, "actornet.rejected_connections"));
        Assert.Equal(8, meters.Sum(port, "actornet.connection.io", ("network.io.direction", "receive")));
        Assert.Equal(8, meters.Sum(port, "actornet.connection.io", ("network.io.direction", "transmit")));
        Assert.Equal(1, meters.Count(port, "actornet.connection.duration", (ActorNetMetrics.CloseReasonTag, "peer-end")));
        Assert.Equal(1, meters.Count(port, "actornet.connection.duration", (ActorNetMetrics.CloseReasonTag, "reset"), ("error.type", "ECONNRESET")));
        Assert.Equal(1, meters.Count(port, "actornet.connection.duration", (ActorNetMetrics.CloseReasonTag, "drain")));
        Assert.Equal(2, meters.Count(port, "actornet.connection.duration", ("error.type", null)));
        // C lived through the drain deadline (1 s); A and B far less.
        Assert.True(meters.Max(port, "actornet.connection.duration") >= 0.9);
        meters.AssertServerTags(port, "127.0.0.1", "tcp");
    }

    [Fact]
    public void A_connection_ended_by_the_idle_timeout_closes_as_timeout()
    {
        using var meters = new Recorder();
        var (_, endPoint) = Listen(Loopback0 with { IdleTimeout = TimeSpan.FromMilliseconds(200) });
        var port = PortOf(endPoint);
        using (var client = Loopback.Connect(endPoint)) Loopback.ExpectEof(client);
        AwaitAssert(() => Assert.Equal(1, meters.Count(port, "actornet.connection.duration", (ActorNetMetrics.CloseReasonTag, "timeout"))), Wait);
        Assert.Equal(1, meters.Count(port, "actornet.connection.duration"));
        meters.AssertServerTags(port, "127.0.0.1", "tcp");
    }

    [Fact]
    public void A_server_on_ipv6_loopback_tags_its_address_as_it_listens()
    {
        using var meters = new Recorder();
        var (_, endPoint) = Listen(new ServerOptions { Host = "::1", Port = 0 });
        var port = PortOf(endPoint);
        using (var client = Loopback.Connect(endPoint))
        {
            client.Shutdown(SocketShutdown.Send);
            Loopback.ExpectEof(client);
        }
        AwaitAssert(() => Assert.Equal(1, meters.Count(port, "actornet.connection.duration", (ActorNetMetrics.CloseReasonTag, "peer-end"))), Wait);
        meters.AssertServerTags(port, "::1", "tcp");
    }

    [Fact]
    public void A_server_on_a_unix_socket_tags_its_path_and_unix_and_no_port()
    {
        using var meters = new Recorder();
        var path = Path.Combine(Path.GetTempPath(), $"actornet-metrics-{Guid.NewGuid():N}.sock");
        var (_, endPoint) = Listen(new ServerOptions { Path = path });
        using (var client = Loopback.Connect(endPoint))
        {
            client.Shutdown(SocketShutdown.Send);
            Loopback.ExpectEof(client);
        }
        AwaitAssert(() => Assert.Single(meters.OfAddress(path, "actornet.connection.duration")), Wait);
        var closed = meters.OfAddress(path, "actornet.connection.duration").Single();
        Assert.Equal("unix", closed.Tags["network.transport"]);
        Assert.Equal("peer-end", closed.Tags[ActorNetMetrics.CloseReasonTag]);
        Assert.False(closed.Tags.ContainsKey("server.port"));
    }

    [Fact]
    public async Task Tls_handshakes_are_timed_tagged_with_the_version_and_failures_counted_by_error_type()
    {
        using var meters = new Recorder();
        var certificate = TestCertificates.SelfSigned();
        var (_, endPoint) = Listen(Loopback0 with { Tls = new TlsServerOptions { Certificate = certificate } });
        var port = PortOf(endPoint);

        await using (var client = await TlsClient.ConnectAsync(endPoint, certificate, SslProtocols.Tls13))
        {
            client.Socket.Shutdown(SocketShutdown.Send);
            await client.ReadToEndAsync();
        }
        using (var plaintext = Loopback.Connect(endPoint))
        {
            plaintext.Send("GET / HTTP/1.0\r\n\r\n"u8);
            // The failed handshake closes the connection (FIN or RST).
            try
            {
                Loopback.ReadToEnd(plaintext);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
            }
        }

        AwaitAssert(() => Assert.Equal(1, meters.Count(port, "actornet.failed_tls_handshakes")), Wait);
        Assert.Equal(1, meters.Count(port, "actornet.tls_handshake.duration", ("tls.protocol.version", "1.3")));
        Assert.Equal(0, meters.Sum(port, "actornet.active_tls_handshakes"));
        Assert.True(meters.Max(port, "actornet.active_tls_handshakes") >= 1);
        var failure = Assert.Single(meters.Of(port, "actornet.failed_tls_handshakes"));
        Assert.False(string.IsNullOrEmpty(failure.Tags["error.type"] as string));
        meters.AssertServerTags(port, "127.0.0.1", "tcp");
    }

    [Fact]
    public void A_rejected_proxy_header_is_counted_under_its_reason_with_the_servers_tags()
    {
        using var meters = new Recorder();
        var (_, endPoint) = Listen(Loopback0 with { ProxyProtocol = ProxyProtocolMode.On });
        var port = PortOf(endPoint);
        using (var client = Loopback.Connect(endPoint))
        {
            client.Send("GET / HTTP/1.0\r\n\r\n"u8);
            try
            {
                Loopback.ReadToEnd(client);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
            }
        }
        AwaitAssert(() => Assert.Equal(1, meters.Sum(port, "actornet.proxy.rejected_headers", (ActorNetMetrics.RejectionReasonTag, "missing"))), Wait);
        meters.AssertServerTags(port, "127.0.0.1", "tcp");
    }

    [Fact]
    public void Dotnet_counters_meter_filter_actornet_in_lower_case_selects_the_ActorNet_meter()
    {
        // What `dotnet-counters monitor --counters actornet` asks of the runtime's MetricsEventSource.
        using var listener = new CountersSession("actornet");
        Assert.True(listener.Published.Wait(Wait), "no BeginInstrumentReporting for the ActorNet meter");
        Assert.Contains("actornet.active_connections", listener.Instruments);
    }

    private sealed record Measured(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);

    /// <summary>Every measurement of the meter ActorNet, with its tags.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<Measured> _measured = new();
        private readonly List<Measured> _observed = [];

        public Recorder()
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ActorNetMetrics.MeterName) l.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Add(_measured, i, value, tags));
            _listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Add(_measured, i, value, tags));
            _listener.SetMeasurementEventCallback<int>((i, value, tags, _) =>
            {
                lock (_observed) Add(_observed, i, value, tags);
            });
            _listener.Start();
        }

        public IEnumerable<Measured> Of(int port, string instrument) =>
            _measured.Where(m => m.Instrument == instrument && Equals(m.Tags.GetValueOrDefault("server.port"), port));

        public IEnumerable<Measured> OfAddress(string address, string instrument) =>
            _measured.Where(m => m.Instrument == instrument && Equals(m.Tags.GetValueOrDefault("server.address"), address));

        public double Sum(int port, string instrument, params (string Key, object? Value)[] tags) => Matching(port, instrument, tags).Sum(m => m.Value);

        public int Count(int port, string instrument, params (string Key, object? Value)[] tags) => Matching(port, instrument, tags).Count();

        // For an up-down counter, the highest running total; for a histogram, the largest value.
        public double Max(int port, string instrument)
        {
            var measured = Of(port, instrument).ToList();
            if (instrument.StartsWith("actornet.active_", StringComparison.Ordinal))
            {
                double total = 0, max = 0;
                foreach (var m in measured) max = Math.Max(max, total += m.Value);
                return max;
            }
            return measured.Max(m => m.Value);
        }

        /// <summary>The values <c>actornet.server.draining</c> reports now for the server on <paramref name="port"/>.</summary>
        public IReadOnlyList<int> Draining(int port)
        {
            lock (_observed)
            {
                _observed.Clear();
                _listener.RecordObservableInstruments();
                return _observed.Where(m => m.Instrument == "actornet.server.draining" && Equals(m.Tags.GetValueOrDefault("server.port"), port))
                    .Select(m => (int)m.Value).ToList();
            }
        }

        public void AssertServerTags(int port, string address, string transport)
        {
            var all = _measured.Where(m => Equals(m.Tags.GetValueOrDefault("server.port"), port)).ToList();
            Assert.NotEmpty(all);
            foreach (var m in all)
            {
                Assert.Equal(address, m.Tags["server.address"]);
                Assert.Equal(transport, m.Tags["network.transport"]);
            }
        }

        public void Dispose() => _listener.Dispose();

        private IEnumerable<Measured> Matching(int port, string instrument, (string Key, object? Value)[] tags) =>
            Of(port, instrument).Where(m => tags.All(t => Equals(m.Tags.GetValueOrDefault(t.Key), t.Value)));

        private static void Add<T>(IProducerConsumerCollection<Measured> into, Instrument instrument, T value,
            ReadOnlySpan<KeyValuePair<string, object?>> tags) where T : struct =>
            into.TryAdd(new Measured(instrument.Name, Convert.ToDouble(value), Copy(tags)));

        private static void Add<T>(List<Measured> into, Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
            where T : struct => into.Add(new Measured(instrument.Name, Convert.ToDouble(value), Copy(tags)));

        private static Dictionary<string, object?> Copy(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copy = new Dictionary<string, object?>();
            foreach (var tag in tags) copy[tag.Key] = tag.Value;
            return copy;
        }
    }

    /// <summary>The runtime's <c>System.Diagnostics.Metrics</c> event source, asked for one meter as dotnet-counters asks.</summary>
    private sealed class CountersSession : EventListener
    {
        private readonly string _filter;
        private readonly ConcurrentBag<string> _instruments = [];

        public CountersSession(string filter)
        {
            _filter = filter;
            // EventListener may call OnEventSourceCreated from its base constructor, before _filter is set.
            foreach (var source in EventSource.GetSources()) OnEventSourceCreated(source);
        }

        public ManualResetEventSlim Published { get; } = new();

        public IReadOnlyCollection<string> Instruments => _instruments;

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name != "System.Diagnostics.Metrics" || _filter is null) return;
            // Keywords: TimeSeriesValues (0x2) | InstrumentPublishing (0x4), as dotnet-counters.
            EnableEvents(source, EventLevel.Informational, (EventKeywords)0x6, new Dictionary<string, string?>
            {
                ["SessionId"] = "actornet-metrics-test",
                ["Metrics"] = _filter,
                ["RefreshInterval"] = "1",
            });
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName != "BeginInstrumentReporting" || e.PayloadNames is null || e.Payload is null) return;
            var meter = e.Payload[e.PayloadNames.IndexOf("meterName")] as string;
            if (meter != ActorNetMetrics.MeterName) return;
            _instruments.Add((string)e.Payload[e.PayloadNames.IndexOf("instrumentName")]!);
            Published.Set();
        }
    }
}
