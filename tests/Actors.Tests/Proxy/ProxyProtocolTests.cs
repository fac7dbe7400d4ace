using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorNet.Diagnostics;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Tests.Support;
using ActorNet.Transport.InMemory;
using ActorNet.Transport.Proxy;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests.Proxy;

/// <summary>
/// A server behind a proxy, over real loopback sockets on every transport (and in memory): a client writes the PROXY
/// header by hand, as HAProxy would, and the handler sees the header's client from its first callback.
/// </summary>
// Its meter listener counts every server's rejected headers in the process: MetricsTests, which rejects one, runs apart.
[Collection(ProxyProtocolTests.RejectionsCollection)]
public sealed class ProxyProtocolTests : ServerTestKit, IDisposable
{
    private static readonly IPEndPoint Client4 = new(IPAddress.Parse("1.2.3.4"), 1111);
    private static readonly IPEndPoint Proxy4 = new(IPAddress.Parse("5.6.7.8"), 2222);
    private static readonly IPEndPoint Client6 = new(IPAddress.Parse("2001:db8::1"), 40000);
    private static readonly IPEndPoint Proxy6 = new(IPAddress.Parse("2001:db8::2"), 443);
    private static readonly byte[] V1Tcp4 = ProxyHeaders.V1("PROXY TCP4 1.2.3.4 5.6.7.8 1111 2222\r\n");

    internal const string RejectionsCollection = "PROXY header rejections";

    private readonly MeterListener _meters = new();
    private readonly ConcurrentDictionary<string, long> _rejected = new();

    public ProxyProtocolTests(ITestOutputHelper output) : base(output)
    {
        _meters.InstrumentPublished = (instrument, l) =>
        {
            if (instrument is { Name: "actornet.proxy.rejected_headers" } && instrument.Meter.Name == ActorNetMetrics.MeterName)
                l.EnableMeasurementEvents(instrument);
        };
        _meters.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == ActorNetMetrics.RejectionReasonTag) _rejected.AddOrUpdate((string)tag.Value!, value, (_, v) => v + value);
        });
        _meters.Start();
    }

    void IDisposable.Dispose()
    {
        _meters.Dispose();
        Dispose();
    }

    private static ServerOptions Proxied(string transport, ProxyProtocolMode mode = ProxyProtocolMode.On, TimeSpan? timeout = null) =>
        On(transport) with { ProxyProtocol = mode, ProxyHeaderTimeout = timeout ?? TimeSpan.FromSeconds(5) };

    private static string ReadLine(Socket socket)
    {
        var line = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (socket.Receive(one) == 0) throw new EndOfStreamException($"EOF after \"{Encoding.ASCII.GetString(line.ToArray())}\"");
            if (one[0] == '\n') return Encoding.ASCII.GetString(line.ToArray());
            line.Add(one[0]);
        }
    }

    /// <summary>Reads until the server resets the connection (bounded by the socket's receive timeout).</summary>
    private static void ExpectReset(Socket socket)
    {
        var buffer = new byte[4096];
        try
        {
            while (socket.Receive(buffer) > 0) { }
            Assert.Fail("the server ended the connection with FIN, not a reset");
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
        }
    }

    private void AwaitRejected(string reason, long count) =>
        AwaitCondition(() => _rejected.GetValueOrDefault(reason) == count, TimeSpan.FromSeconds(5));

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void A_v1_header_names_the_client_and_the_data_in_the_same_segment_is_echoed_byte_exact(string transport)
    {
        var (_, endPoint) = Listen(Proxied(transport), () => new PeerGreeter());
        using var client = Loopback.Connect(endPoint);
        var payload = Loopback.Pattern(3000, seed: 1);
        client.Send([.. V1Tcp4, .. payload]);
        Assert.Equal("peer 1.2.3.4:1111", ReadLine(client));
        Assert.Equal(payload, Loopback.ReadExactly(client, payload.Length));
        var more = Loopback.Pattern(200_000, seed: 2);
        client.Send(more);
        Assert.Equal(more, Loopback.ReadExactly(client, more.Length));
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void A_v2_header_with_TLVs_over_IPv6_loopback_names_the_IPv6_client(string transport)
    {
        var (_, endPoint) = Listen(Proxied(transport) with { Host = "::1" }, () => new PeerGreeter());
        using var client = Loopback.Connect(endPoint);
        var tlvs = (byte[])[.. ProxyHeaders.Tlv(0x01, "h2"u8.ToArray()), .. ProxyHeaders.Tlv(0xEA, new byte[40])];
        var payload = Loopback.Pattern(1000, seed: 3);
        client.Send([.. ProxyHeaders.V2(Client6, Proxy6, tlvs), .. payload]);
        Assert.Equal("peer [2001:db8::1]:40000", ReadLine(client));
        Assert.Equal(payload, Loopback.ReadExactly(client, payload.Length));
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void A_v2_header_over_IPv4_names_the_client(string transport)
    {
        var (_, endPoint) = Listen(Proxied(transport), () => new PeerGreeter());
        using var client = Loopback.Connect(endPoint);
        client.Send([.. ProxyHeaders.V2(Client4, Proxy4), .. "hi"u8]);
        Assert.Equal("peer 1.2.3.4:1111", ReadLine(client));
        Assert.Equal("hi"u8.ToArray(), Loopback.ReadExactly(client, 2));
    }

    [Fact]
    public void A_v2_LOCAL_header_and_a_v1_UNKNOWN_header_keep_the_real_peer()
    {
        var (_, endPoint) = Listen(Proxied("sockets"), () => new PeerGreeter());
        foreach (var header in new[] { ProxyHeaders.V2(Client4, Proxy4, local: true), ProxyHeaders.V1("PROXY UNKNOWN\r\n") })
        {
            using var client = Loopback.Connect(endPoint);
            client.Send([.. header, .. "x"u8]);
            Assert.Equal($"peer {client.LocalEndPoint}", ReadLine(client));
            Assert.Equal("x"u8.ToArray(), Loopback.ReadExactly(client, 1));
        }
    }

    [Fact]
    public void A_header_sent_in_pieces_across_segments_works()
    {
        var (_, endPoint) = Listen(Proxied("sockets"), () => new PeerGreeter());
        using var client = Loopback.Connect(endPoint);
        client.NoDelay = true;
        var header = ProxyHeaders.V2(Client4, Proxy4, ProxyHeaders.Tlv(0x02, "example.com"u8.ToArray()));
        foreach (var b in header) client.Send([b]);
        client.Send("after"u8.ToArray());
        Assert.Equal("peer 1.2.3.4:1111", ReadLine(client));
        Assert.Equal("after"u8.ToArray(), Loopback.ReadExactly(client, 5));
    }

    public static TheoryData<string, string, byte[]> BadHeadersOverTransports()
    {
        var bad = new (string Reason, byte[] Bytes)[]
        {
            (ProxyOutcome.Missing, "GET / HTTP/1.0\r\n\r\n"u8.ToArray()),
            (ProxyOutcome.Malformed, ProxyHeaders.V1("PROXY TCP4 1.2.3.999 5.6.7.8 1111 2222\r\nhello")),
            (ProxyOutcome.Malformed, ProxyHeaders.V2Raw(0x21, 0x11, new byte[8])),
            (ProxyOutcome.TooLong, ProxyHeaders.V1("PROXY UNKNOWN " + new string('x', 120))),
        };
        var data = new TheoryData<string, string, byte[]>();
        foreach (var transport in Transports)
        foreach (var (reason, bytes) in bad)
            data.Add(transport, reason, bytes);
        return data;
    }

    [Theory]
    [MemberData(nameof(BadHeadersOverTransports))]
    public void A_bad_header_resets_only_its_connection_is_counted_and_the_live_count_stays_right(string transport, string reason, byte[] bytes)
    {
        var (server, endPoint) = Listen(Proxied(transport), () => new PeerGreeter());
        using var good = Loopback.Connect(endPoint);
        good.Send(V1Tcp4);
        Assert.Equal("peer 1.2.3.4:1111", ReadLine(good));

        using (var bad = Loopback.Connect(endPoint))
        {
            bad.Send(bytes);
            ExpectReset(bad);
        }
        AwaitRejected(reason, 1);
        AwaitLiveCount(server, 1);
        good.Send("still here"u8.ToArray());
        Assert.Equal("still here"u8.ToArray(), Loopback.ReadExactly(good, 10));
        using var next = Loopback.Connect(endPoint);
        next.Send(ProxyHeaders.V2(Client6, Proxy6));
        Assert.Equal("peer [2001:db8::1]:40000", ReadLine(next));
        AwaitLiveCount(server, 2);
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void A_connection_without_a_whole_header_is_reset_at_the_header_timeout(string transport)
    {
        var (server, endPoint) = Listen(Proxied(transport, timeout: TimeSpan.FromMilliseconds(300)), () => new PeerGreeter());
        using var silent = Loopback.Connect(endPoint);
        using var partial = Loopback.Connect(endPoint);
        var started = Stopwatch.StartNew();
        partial.Send("PROXY TCP4 1.2."u8.ToArray());
        ExpectReset(partial);
        ExpectReset(silent);
        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        AwaitRejected(ProxyOutcome.Timeout, 2);
        AwaitLiveCount(server, 0);
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void With_optional_a_header_is_used_and_a_connection_without_one_is_served_plain_byte_exact(string transport)
    {
        var (_, endPoint) = Listen(Proxied(transport, ProxyProtocolMode.Optional), () => new PeerGreeter());
        using var proxied = Loopback.Connect(endPoint);
        proxied.Send([.. ProxyHeaders.V2(Client4, Proxy4), .. "via proxy"u8]);
        Assert.Equal("peer 1.2.3.4:1111", ReadLine(proxied));
        Assert.Equal("via proxy"u8.ToArray(), Loopback.ReadExactly(proxied, 9));

        using var plain = Loopback.Connect(endPoint);
        plain.Send("PROXZ direct"u8.ToArray());
        Assert.Equal($"peer {plain.LocalEndPoint}", ReadLine(plain));
        Assert.Equal("PROXZ direct"u8.ToArray(), Loopback.ReadExactly(plain, 12));

        // A blank line could still become v2's signature: the server waits for the byte that decides.
        using var blank = Loopback.Connect(endPoint);
        blank.Send("\r\n\r\n"u8.ToArray());
        blank.Send("GET"u8.ToArray());
        Assert.Equal($"peer {blank.LocalEndPoint}", ReadLine(blank));
        Assert.Equal("\r\n\r\nGET"u8.ToArray(), Loopback.ReadExactly(blank, 7));
        Assert.Empty(_rejected);
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void With_optional_a_client_that_waits_for_the_server_is_served_plain_once_the_header_timeout_passed(string transport)
    {
        var (_, endPoint) = Listen(Proxied(transport, ProxyProtocolMode.Optional, TimeSpan.FromMilliseconds(300)), () => new PeerGreeter());
        using var client = Loopback.Connect(endPoint);
        var started = Stopwatch.StartNew();
        Assert.Equal($"peer {client.LocalEndPoint}", ReadLine(client));
        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        client.Send("now"u8.ToArray());
        Assert.Equal("now"u8.ToArray(), Loopback.ReadExactly(client, 3));
        Assert.Empty(_rejected);
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public async Task A_header_before_the_TLS_handshake_names_the_client_of_a_TLS_connection(string transport)
    {
        var certificate = TestCertificates.SelfSigned();
        var options = Proxied(transport) with { Tls = new TlsServerOptions { Certificate = certificate } };
        var (_, endPoint) = Listen(options, () => new PeerGreeter());
        await using var client = await TlsClient.ConnectAsync(endPoint, certificate, prelude: ProxyHeaders.V2(Client6, Proxy6));
        Assert.Equal("peer [2001:db8::1]:40000\n"u8.ToArray(), await client.ReadExactlyAsync(25));
        await client.Ssl.WriteAsync("secret"u8.ToArray());
        Assert.Equal("secret"u8.ToArray(), await client.ReadExactlyAsync(6));
    }

    [Fact]
    public void A_connection_still_sending_its_header_when_the_server_closes_is_reset_and_the_server_closes()
    {
        var (server, endPoint) = Listen(Proxied("sockets"), () => new PeerGreeter());
        using var client = Loopback.Connect(endPoint);
        client.Send("PROXY "u8.ToArray());
        server.Tell(ServerProtocol.Close.Instance, TestActor);
        ExpectMsg<ServerProtocol.Unbound>();
        ExpectMsg<ServerProtocol.Closed>(TimeSpan.FromSeconds(5));
        ExpectReset(client);
        Assert.Empty(_rejected);
    }

    [Fact]
    public void On_the_in_memory_transport_a_header_names_the_client()
    {
        var (_, endPoint) = Listen(Proxied("in-memory"), () => new PeerGreeter());
        var peer = InMemoryTransport.Instance.Connect(((DnsEndPoint)endPoint).Port);
        var wire = CreateTestProbe();
        peer.Attach(wire.Ref);
        byte[] sent = [.. ProxyHeaders.V2(Client4, Proxy4), .. "in memory"u8];
        Assert.Equal(sent.Length, peer.TrySend(sent, out _));
        var expected = "peer 1.2.3.4:1111\nin memory"u8.ToArray();
        var received = new List<byte>();
        var buffer = new byte[256];
        while (received.Count < expected.Length)
        {
            peer.WaitReadable();
            wire.ExpectMsg<TransportSignal.Readable>(TimeSpan.FromSeconds(5));
            var read = peer.TryReceive(buffer);
            received.AddRange(buffer.AsSpan(0, read.Bytes).ToArray());
        }
        Assert.Equal(expected, received.ToArray());
        peer.Abort();
    }
}
