using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorNet.Transport.Proxy;

/// <summary>
/// The PROXY protocol, versions 1 and 2, as HAProxy specifies it (haproxy.org, doc/proxy-protocol.txt). Stateless:
/// the bytes received so far are parsed from the start each time more arrive (a header is at most a few hundred
/// bytes), so a header split anywhere across reads parses the same.
/// </summary>
internal static class ProxyHeaderParser
{
    /// <summary>Version 1's signature.</summary>
    public static ReadOnlySpan<byte> V1Signature => "PROXY "u8;

    /// <summary>Version 2's signature: <c>\r\n\r\n\0\r\nQUIT\n</c>.</summary>
    public static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>The longest version 1 line the spec allows, CRLF included (UNKNOWN followed by the longest TCP6 fields).</summary>
    public const int V1MaxLength = 107;

    /// <summary>
    /// The longest version 2 header accepted, TLVs included. The spec allows 16 + 65535 bytes; proxies send addresses
    /// plus a few short TLVs (AWS NLB's endpoint id, HAProxy's TLS details), well under this, and a connection that has
    /// not yet proved to be from the proxy should not hold 64 KiB.
    /// </summary>
    public const int V2MaxLength = 4096;

    private const int V2FixedLength = 16;

    /// <summary>What <paramref name="data"/>, the first bytes of a connection, amount to.</summary>
    public static ProxyParse Parse(ReadOnlySpan<byte> data)
    {
        if (StartsWithPrefixOf(data, V1Signature, out var v1Whole))
            return v1Whole ? ParseV1(data) : ProxyParse.MaybeSignature;
        if (StartsWithPrefixOf(data, V2Signature, out var v2Whole))
            return v2Whole ? ParseV2(data) : ProxyParse.MaybeSignature;
        return ProxyParse.NotProxy;
    }

    // Whether data and the signature agree as far as both go (nothing received yet agrees with both).
    private static bool StartsWithPrefixOf(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, out bool whole)
    {
        whole = data.Length >= signature.Length;
        var n = Math.Min(data.Length, signature.Length);
        return data[..n].SequenceEqual(signature[..n]);
    }

    private static ProxyParse ParseV1(ReadOnlySpan<byte> data)
    {
        var window = data[..Math.Min(data.Length, V1MaxLength)];
        var end = -1;
        for (var i = V1Signature.Length; i < window.Length; i++)
        {
            var b = window[i];
            if (b == '\n')
            {
                end = i;
                break;
            }
            if (b == '\r' && i + 1 < window.Length && window[i + 1] != '\n') return ProxyParse.Malformed("v1: CR not followed by LF");
            if (b != '\r' && b is < 0x20 or > 0x7E) return ProxyParse.Malformed("v1: a byte that is not printable ASCII");
        }
        if (end < 0)
            return data.Length >= V1MaxLength ? ProxyParse.TooLong($"v1: no CRLF within {V1MaxLength} bytes") : ProxyParse.Incomplete;
        if (window[end - 1] != '\r') return ProxyParse.Malformed("v1: the line ends with LF, not CRLF");
        var fields = Encoding.ASCII.GetString(window[V1Signature.Length..(end - 1)]).Split(' ');
        var length = end + 1;
        // UNKNOWN: the rest of the line is to be ignored, and the real peer kept.
        if (fields[0] == "UNKNOWN") return ProxyParse.Complete(new ProxyHeader(1, length, null, null));
        var family = fields[0] switch
        {
            "TCP4" => AddressFamily.InterNetwork,
            "TCP6" => AddressFamily.InterNetworkV6,
            _ => (AddressFamily?)null,
        };
        if (family is null) return ProxyParse.Malformed($"v1: unknown protocol \"{fields[0]}\"");
        if (fields.Length != 5) return ProxyParse.Malformed($"v1: {fields[0]} needs four fields separated by single spaces");
        if (!TryAddress(fields[1], family.Value, out var source)) return ProxyParse.Malformed($"v1: \"{fields[1]}\" is not a {fields[0]} source address");
        if (!TryAddress(fields[2], family.Value, out var destination)) return ProxyParse.Malformed($"v1: \"{fields[2]}\" is not a {fields[0]} destination address");
        if (!TryPort(fields[3], out var sourcePort)) return ProxyParse.Malformed($"v1: \"{fields[3]}\" is not a source port");
        if (!TryPort(fields[4], out var destinationPort)) return ProxyParse.Malformed($"v1: \"{fields[4]}\" is not a destination port");
        return ProxyParse.Complete(new ProxyHeader(1, length, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort)));
    }

    private static bool TryAddress(string text, AddressFamily family, out IPAddress address)
    {
        address = IPAddress.None;
        // IPAddress.TryParse also takes "1", "0x7f.1" and "fe80::1%eth0": the spec has dotted quads and plain IPv6.
        if (family == AddressFamily.InterNetwork)
        {
            var parts = text.Split('.');
            if (parts.Length != 4 || parts.Any(p => p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit) || int.Parse(p, CultureInfo.InvariantCulture) > 255))
                return false;
        }
        else if (!text.Contains(':') || text.Contains('%')) return false;
        return IPAddress.TryParse(text, out address!) && address.AddressFamily == family;
    }

    private static bool TryPort(string text, out int port)
    {
        port = 0;
        return text.Length is > 0 and <= 5 && text.All(char.IsAsciiDigit)
               && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= 65535;
    }

    private static ProxyParse ParseV2(ReadOnlySpan<byte> data)
    {
        if (data.Length < V2FixedLength) return ProxyParse.Incomplete;
        var version = data[12] >> 4;
        var command = data[12] & 0x0F;
        var family = data[13];
        int length = BinaryPrimitives.ReadUInt16BigEndian(data[14..16]);
        if (version != 2) return ProxyParse.Malformed($"v2: version {version}, not 2");
        if (command > 1) return ProxyParse.Malformed($"v2: unknown command 0x{command:x}");
        if (V2FixedLength + length > V2MaxLength)
            return ProxyParse.TooLong($"v2: {V2FixedLength + length} bytes, above the {V2MaxLength} accepted");
        // LOCAL (a health check, or the proxy's own connection): the family and addresses are to be ignored.
        var local = command == 0;
        int needed;
        switch (family)
        {
            case 0x00: needed = 0; break; // UNSPEC
            case 0x11 or 0x12: needed = 12; break; // TCP or UDP over IPv4
            case 0x21 or 0x22: needed = 36; break; // TCP or UDP over IPv6
            case 0x31 or 0x32: needed = 216; break; // AF_UNIX
            default:
                if (local) needed = 0;
                else return ProxyParse.Malformed($"v2: unknown address family and protocol 0x{family:x2}");
                break;
        }
        if (!local && length < needed) return ProxyParse.Malformed($"v2: {length} bytes of addresses, family 0x{family:x2} needs {needed}");
        var total = V2FixedLength + length;
        if (data.Length < total) return ProxyParse.Incomplete;
        // What follows the addresses (TLVs) is skipped.
        var block = data[V2FixedLength..total];
        if (local || family is 0x00 or 0x31 or 0x32) return ProxyParse.Complete(new ProxyHeader(2, total, null, null));
        var size = family >> 4 == 1 ? 4 : 16;
        var source = new IPAddress(block[..size]);
        var destination = new IPAddress(block[size..(2 * size)]);
        var sourcePort = BinaryPrimitives.ReadUInt16BigEndian(block[(2 * size)..]);
        var destinationPort = BinaryPrimitives.ReadUInt16BigEndian(block[(2 * size + 2)..]);
        return ProxyParse.Complete(new ProxyHeader(2, total, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort)));
    }
}
