using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorNet.Tests.Support;

/// <summary>PROXY protocol headers written by hand, as a proxy would send them.</summary>
internal static class ProxyHeaders
{
    public static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static byte[] V1(string line) => Encoding.ASCII.GetBytes(line);

    /// <summary>A v2 PROXY (or LOCAL) header for TCP between <paramref name="source"/> and <paramref name="destination"/>, then <paramref name="tlvs"/>.</summary>
    public static byte[] V2(IPEndPoint source, IPEndPoint destination, byte[]? tlvs = null, bool local = false)
    {
        var v4 = source.AddressFamily == AddressFamily.InterNetwork;
        var addresses = new List<byte>();
        addresses.AddRange(source.Address.GetAddressBytes());
        addresses.AddRange(destination.Address.GetAddressBytes());
        addresses.AddRange(Port(source.Port));
        addresses.AddRange(Port(destination.Port));
        addresses.AddRange(tlvs ?? []);
        return V2Raw(local ? (byte)0x20 : (byte)0x21, v4 ? (byte)0x11 : (byte)0x21, addresses.ToArray());
    }

    /// <summary>A v2 header with any version/command and family byte, and <paramref name="block"/> after the length.</summary>
    public static byte[] V2Raw(byte versionCommand, byte family, byte[] block, int? length = null)
    {
        var header = new byte[16 + block.Length];
        V2Signature.CopyTo(header, 0);
        header[12] = versionCommand;
        header[13] = family;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), (ushort)(length ?? block.Length));
        block.CopyTo(header, 16);
        return header;
    }

    /// <summary>One TLV: type, 16-bit length, value.</summary>
    public static byte[] Tlv(byte type, byte[] value) => [type, (byte)(value.Length >> 8), (byte)value.Length, .. value];

    private static byte[] Port(int port) => [(byte)(port >> 8), (byte)port];
}
