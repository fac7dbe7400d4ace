using System.Net;
using System.Net.Sockets;

namespace ActorNet.Tests.Support;

/// <summary>Blocking client sockets with bounded waits, for talking to a server under test.</summary>
internal static class Loopback
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public static Socket Connect(EndPoint endPoint)
    {
        var socket = endPoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.ReceiveTimeout = (int)Wait.TotalMilliseconds;
        socket.SendTimeout = (int)Wait.TotalMilliseconds;
        socket.Connect(endPoint);
        return socket;
    }

    public static Socket Connect(int port) => Connect(new IPEndPoint(IPAddress.Loopback, port));

    /// <summary>Reads exactly <paramref name="count"/> bytes (the receive timeout bounds each read).</summary>
    public static byte[] ReadExactly(Socket socket, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = socket.Receive(buffer, read, count - read, SocketFlags.None);
            if (n == 0) throw new EndOfStreamException($"EOF after {read} of {count} bytes");
            read += n;
        }
        return buffer;
    }

    /// <summary>Reads until the peer's FIN; throws on a reset or timeout.</summary>
    public static byte[] ReadToEnd(Socket socket)
    {
        var result = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var n = socket.Receive(buffer);
            if (n == 0) return result.ToArray();
            result.Write(buffer, 0, n);
        }
    }

    /// <summary>Waits for the peer's FIN with nothing before it.</summary>
    public static void ExpectEof(Socket socket)
    {
        var buffer = new byte[1];
        var n = socket.Receive(buffer);
        if (n != 0) throw new InvalidDataException($"expected EOF, got data 0x{buffer[0]:x2}");
    }

    /// <summary>A reset: close with SO_LINGER 0.</summary>
    public static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    /// <summary>Bytes with a pattern that catches loss, duplication and reordering.</summary>
    public static byte[] Pattern(int length, int seed = 0)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++) bytes[i] = (byte)((i + seed) % 251);
        return bytes;
    }
}
