using System.Net;
using ActorNet.Tests.Support;
using ActorNet.Transport.Proxy;
using Xunit;

namespace ActorNet.Tests.Proxy;

/// <summary>The PROXY header parser: every form of v1 and v2, every malformed case, and headers split anywhere.</summary>
public sealed class ProxyHeaderParserTests
{
    private static readonly IPEndPoint Client4 = new(IPAddress.Parse("1.2.3.4"), 1111);
    private static readonly IPEndPoint Proxy4 = new(IPAddress.Parse("5.6.7.8"), 2222);
    private static readonly IPEndPoint Client6 = new(IPAddress.Parse("2001:db8::1"), 40000);
    private static readonly IPEndPoint Proxy6 = new(IPAddress.Parse("2001:db8::2"), 443);

    private static ProxyHeader Complete(byte[] bytes)
    {
        var parse = ProxyHeaderParser.Parse(bytes);
        Assert.True(parse.Status == ProxyParseStatus.Complete, $"{parse.Status}: {parse.Problem}");
        return parse.Header!;
    }

    [Fact]
    public void V1_TCP4_names_the_client_and_the_proxy()
    {
        var header = Complete(ProxyHeaders.V1("PROXY TCP4 1.2.3.4 5.6.7.8 1111 2222\r\n"));
        Assert.Equal(new ProxyHeader(1, 38, Client4, Proxy4), header);
    }

    [Fact]
    public void V1_TCP6_names_the_client_and_the_proxy()
    {
        var header = Complete(ProxyHeaders.V1("PROXY TCP6 2001:db8::1 2001:db8::2 40000 443\r\n"));
        Assert.Equal(Client6, header.Source);
        Assert.Equal(Proxy6, header.Destination);
    }

    [Fact]
    public void V1_at_the_longest_the_spec_allows_parses()
    {
        const string full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        var tcp6 = ProxyHeaders.V1($"PROXY TCP6 {full} {full} 65535 65535\r\n");
        Assert.Equal(65535, Complete(tcp6).Source!.Port);
        // The spec's worst case: UNKNOWN followed by the longest TCP6 fields.
        var unknown = ProxyHeaders.V1($"PROXY UNKNOWN {full} {full} 65535 65535\r\n");
        Assert.Equal(ProxyHeaderParser.V1MaxLength, unknown.Length);
        Assert.Equal(ProxyHeaderParser.V1MaxLength, Complete(unknown).Length);
    }

    [Theory]
    [InlineData("PROXY UNKNOWN\r\n")]
    [InlineData("PROXY UNKNOWN ffff:f::1 ffff:f::2 1 2\r\n")]
    public void V1_UNKNOWN_keeps_the_real_peer_and_ignores_the_rest_of_the_line(string line)
    {
        var header = Complete(ProxyHeaders.V1(line));
        Assert.Null(header.Source);
        Assert.Equal(line.Length, header.Length);
    }

    [Fact]
    public void Bytes_after_the_header_are_not_part_of_it()
    {
        var bytes = ProxyHeaders.V1("PROXY TCP4 1.2.3.4 5.6.7.8 1111 2222\r\nGET / HTTP/1.0\r\n\r\n");
        Assert.Equal(38, Complete(bytes).Length);
        var v2 = ProxyHeaders.V2(Client4, Proxy4);
        Assert.Equal(28, Complete([.. v2, .. "hello"u8]).Length);
    }

    [Fact]
    public void V2_PROXY_over_IPv4_names_the_client_and_the_proxy() =>
        Assert.Equal(new ProxyHeader(2, 28, Client4, Proxy4), Complete(ProxyHeaders.V2(Client4, Proxy4)));

    [Fact]
    public void V2_PROXY_over_IPv6_names_the_client_and_the_proxy() =>
        Assert.Equal(new ProxyHeader(2, 52, Client6, Proxy6), Complete(ProxyHeaders.V2(Client6, Proxy6)));

    [Fact]
    public void V2_UDP_families_carry_addresses_too()
    {
        var tcp = ProxyHeaders.V2(Client4, Proxy4);
        tcp[13] = 0x12;
        Assert.Equal(Client4, Complete(tcp).Source);
    }

    [Fact]
    public void V2_LOCAL_keeps_the_real_peer_whatever_its_address_block_says()
    {
        Assert.Null(Complete(ProxyHeaders.V2(Client4, Proxy4, local: true)).Source);
        Assert.Null(Complete(ProxyHeaders.V2Raw(0x20, 0x00, [])).Source);
        // A family the spec does not define is to be ignored with LOCAL.
        Assert.Null(Complete(ProxyHeaders.V2Raw(0x20, 0x77, [1, 2, 3])).Source);
    }

    [Fact]
    public void V2_UNSPEC_and_AF_UNIX_keep_the_real_peer()
    {
        Assert.Null(Complete(ProxyHeaders.V2Raw(0x21, 0x00, [])).Source);
        var unix = Complete(ProxyHeaders.V2Raw(0x21, 0x31, new byte[216]));
        Assert.Null(unix.Source);
        Assert.Equal(232, unix.Length);
    }

    [Fact]
    public void V2_TLVs_are_skipped()
    {
        byte[] tlvs = [.. ProxyHeaders.Tlv(0x01, "h2"u8.ToArray()), .. ProxyHeaders.Tlv(0xEA, new byte[30]), .. ProxyHeaders.Tlv(0x04, [])];
        var bytes = ProxyHeaders.V2(Client6, Proxy6, tlvs);
        var header = Complete([.. bytes, .. "after"u8]);
        Assert.Equal(Client6, header.Source);
        Assert.Equal(bytes.Length, header.Length);
    }

    [Fact]
    public void V2_at_the_length_accepted_parses_and_one_byte_more_is_too_long()
    {
        var most = ProxyHeaders.V2(Client4, Proxy4, ProxyHeaders.Tlv(0xE0, new byte[ProxyHeaderParser.V2MaxLength - 28 - 3]));
        Assert.Equal(ProxyHeaderParser.V2MaxLength, most.Length);
        Assert.Equal(Client4, Complete(most).Source);
        var over = ProxyHeaders.V2(Client4, Proxy4, ProxyHeaders.Tlv(0xE0, new byte[ProxyHeaderParser.V2MaxLength - 28 - 2]));
        // Known from the fixed part alone, before the rest arrives.
        Assert.Equal(ProxyParseStatus.TooLong, ProxyHeaderParser.Parse(over.AsSpan(0, 16)).Status);
    }

    [Fact]
    public void A_v1_line_without_CRLF_within_107_bytes_is_too_long()
    {
        var bytes = ProxyHeaders.V1("PROXY TCP6 " + new string('1', 200));
        Assert.Equal(ProxyParseStatus.Incomplete, ProxyHeaderParser.Parse(bytes.AsSpan(0, 106)).Status);
        Assert.Equal(ProxyParseStatus.TooLong, ProxyHeaderParser.Parse(bytes.AsSpan(0, 107)).Status);
    }

    [Theory]
    [InlineData("PROXY TCP5 1.2.3.4 5.6.7.8 1111 2222\r\n", "unknown protocol")]
    [InlineData("PROXY tcp4 1.2.3.4 5.6.7.8 1111 2222\r\n", "unknown protocol")]
    [InlineData("PROXY \r\n", "unknown protocol")]
    [InlineData("PROXY  TCP4 1.2.3.4 5.6.7.8 1111 2222\r\n", "unknown protocol")]
    [InlineData("PROXY TCP4 1.2.3.4  5.6.7.8 1111 2222\r\n", "four fields")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1111\r\n", "four fields")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1111 2222 3333\r\n", "four fields")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1111 2222 \r\n", "four fields")]
    [InlineData("PROXY TCP4 1.2.3 5.6.7.8 1111 2222\r\n", "source address")]
    [InlineData("PROXY TCP4 1.2.3.256 5.6.7.8 1111 2222\r\n", "source address")]
    [InlineData("PROXY TCP4 1 5.6.7.8 1111 2222\r\n", "source address")]
    [InlineData("PROXY TCP4 ::1 5.6.7.8 1111 2222\r\n", "source address")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.x 1111 2222\r\n", "destination address")]
    [InlineData("PROXY TCP6 1.2.3.4 ::2 1111 2222\r\n", "source address")]
    [InlineData("PROXY TCP6 fe80::1%eth0 ::2 1111 2222\r\n", "source address")]
    [InlineData("PROXY TCP6 ::1 ::g 1111 2222\r\n", "destination address")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2222\r\n", "source port")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2222\r\n", "source port")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1111 +22\r\n", "destination port")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1111 \r\n", "destination port")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1111 2222\n", "LF, not CRLF")]
    [InlineData("PROXY TCP4 1.2.3.4\r5.6.7.8 1111 2222\r\n", "CR not followed by LF")]
    [InlineData("PROXY TCP4 1.2.3.4\t5.6.7.8 1111 2222\r\n", "not printable")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1111 2222\0\r\n", "not printable")]
    public void A_malformed_v1_line_is_malformed_with_the_reason(string line, string problem)
    {
        var parse = ProxyHeaderParser.Parse(ProxyHeaders.V1(line));
        Assert.Equal(ProxyParseStatus.Malformed, parse.Status);
        Assert.Contains(problem, parse.Problem);
    }

    public static TheoryData<string, byte[]> MalformedV2() => new()
    {
        { "version 1", ProxyHeaders.V2Raw(0x11, 0x11, new byte[12]) },
        { "version 3", ProxyHeaders.V2Raw(0x31, 0x11, new byte[12]) },
        { "unknown command 0x2", ProxyHeaders.V2Raw(0x22, 0x11, new byte[12]) },
        { "unknown command 0xf", ProxyHeaders.V2Raw(0x2F, 0x11, new byte[12]) },
        { "family 0x13", ProxyHeaders.V2Raw(0x21, 0x13, new byte[12]) },
        { "family 0x41", ProxyHeaders.V2Raw(0x21, 0x41, new byte[12]) },
        { "family 0x10", ProxyHeaders.V2Raw(0x21, 0x10, new byte[12]) },
        { "family 0x01", ProxyHeaders.V2Raw(0x21, 0x01, new byte[12]) },
        { "IPv4 in 11 bytes", ProxyHeaders.V2Raw(0x21, 0x11, new byte[11]) },
        { "IPv6 in 12 bytes", ProxyHeaders.V2Raw(0x21, 0x21, new byte[12]) },
        { "AF_UNIX in 36 bytes", ProxyHeaders.V2Raw(0x21, 0x31, new byte[36]) },
    };

    [Theory]
    [MemberData(nameof(MalformedV2))]
    public void A_malformed_v2_header_is_malformed_as_soon_as_its_fixed_part_is_in(string what, byte[] bytes)
    {
        Assert.Equal(ProxyParseStatus.Malformed, ProxyHeaderParser.Parse(bytes).Status);
        Assert.True(ProxyHeaderParser.Parse(bytes.AsSpan(0, 16)).Status == ProxyParseStatus.Malformed, what);
    }

    [Theory]
    [InlineData("")]
    [InlineData("P")]
    [InlineData("PROXY")]
    [InlineData("\r\n\r\n\0\r\nQUI")]
    public void A_prefix_of_a_signature_may_still_become_one(string start) =>
        Assert.Equal(ProxyParseStatus.MaybeSignature, ProxyHeaderParser.Parse(ProxyHeaders.V1(start)).Status);

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("PROXZ")]
    [InlineData("proxy ")]
    [InlineData("PROXY\r\n")]
    [InlineData("\r\n\r\n\0\r\nQUIT\r")]
    [InlineData("\r\n\r\n")]
    [InlineData("\u0016\u0003\u0001")]
    public void Bytes_that_start_with_neither_signature_are_no_header(string start)
    {
        var bytes = ProxyHeaders.V1(start);
        // "\r\n\r\n" alone could still become v2's signature; a blank line then a request cannot.
        var expected = start == "\r\n\r\n" ? ProxyParseStatus.MaybeSignature : ProxyParseStatus.NotProxy;
        Assert.Equal(expected, ProxyHeaderParser.Parse(bytes).Status);
        if (start == "\r\n\r\n") Assert.Equal(ProxyParseStatus.NotProxy, ProxyHeaderParser.Parse([.. bytes, (byte)'G']).Status);
    }

    public static TheoryData<string, byte[]> Headers() => new()
    {
        { "v1 TCP4", ProxyHeaders.V1("PROXY TCP4 1.2.3.4 5.6.7.8 1111 2222\r\n") },
        { "v1 TCP6", ProxyHeaders.V1("PROXY TCP6 2001:db8::1 2001:db8::2 40000 443\r\n") },
        { "v1 UNKNOWN", ProxyHeaders.V1("PROXY UNKNOWN\r\n") },
        { "v2 IPv4", ProxyHeaders.V2(Client4, Proxy4) },
        { "v2 IPv6 with TLVs", ProxyHeaders.V2(Client6, Proxy6, ProxyHeaders.Tlv(0x02, "example.com"u8.ToArray())) },
        { "v2 LOCAL", ProxyHeaders.V2(Client4, Proxy4, local: true) },
        { "v2 UNSPEC", ProxyHeaders.V2Raw(0x21, 0x00, []) },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void Every_prefix_of_a_header_asks_for_more_and_the_whole_header_parses(string what, byte[] header)
    {
        var signature = header[0] == 'P' ? 6 : 12;
        for (var cut = 0; cut < header.Length; cut++)
        {
            var expected = cut < signature ? ProxyParseStatus.MaybeSignature : ProxyParseStatus.Incomplete;
            Assert.True(ProxyHeaderParser.Parse(header.AsSpan(0, cut)).Status == expected, $"{what}, {cut} bytes");
        }
        Assert.Equal(header.Length, Complete([.. header, .. "data"u8]).Length);
    }
}
