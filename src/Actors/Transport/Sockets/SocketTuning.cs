using System.Net.Sockets;
using ActorNet.Options;
using ActorNet.Protocol;

namespace ActorNet.Transport.Sockets;

/// <summary>Socket options .NET does not name or maps differently on Linux, set with raw setsockopt.</summary>
internal static class SocketTuning
{
    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;
    private const int SoReusePort = 15;
    private const int IpProtoTcp = 6;
    private const int TcpUserTimeout = 18;
    private const int TcpInfo = 11;
    private const byte TcpStateClose = 7;
    private const byte TcpStateCloseWait = 8;

    // .NET's SocketOptionName.ReuseAddress sets SO_REUSEPORT too on Linux, which would let a second
    // server bind the same port without EADDRINUSE; set the plain option instead.
    public static void SetReuseAddress(Socket socket) => SetInt(socket, SolSocket, SoReuseAddr, 1);

    public static void SetReusePort(Socket socket) => SetInt(socket, SolSocket, SoReusePort, 1);

    public static NetError? ApplyKeepAlive(Socket socket, KeepAliveOptions ka)
    {
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, ka.Enabled);
            if (ka.Enabled)
            {
                // Whole seconds, truncated like Node's ~~(ms / 1000); under 1 s keeps the OS default.
                var idle = (int)ka.Idle.TotalSeconds;
                if (idle >= 1) socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, idle);
                var interval = (int)ka.Interval.TotalSeconds;
                if (interval >= 1) socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, interval);
                if (ka.Probes > 0) socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, ka.Probes);
            }
            if (ka.UserTimeout > TimeSpan.Zero && socket.AddressFamily != AddressFamily.Unix)
                SetInt(socket, IpProtoTcp, TcpUserTimeout, (int)ka.UserTimeout.TotalMilliseconds);
            return null;
        }
        catch (SocketException e)
        {
            return NetError.FromSocketError(e.SocketErrorCode, "setsockopt");
        }
    }

    public static NetError? ApplyNoDelay(Socket socket, bool noDelay)
    {
        try
        {
            socket.NoDelay = noDelay;
            return null;
        }
        catch (SocketException e)
        {
            return NetError.FromSocketError(e.SocketErrorCode, "setsockopt");
        }
    }

    /// <summary>
    /// A reset or the peer's FIN noticed without reading: TCP_INFO's first byte is the state. A reset moves an
    /// ESTABLISHED or CLOSE-WAIT socket to TCP_CLOSE (ConnectionReset); the peer's FIN before ours moves an
    /// ESTABLISHED socket to CLOSE-WAIT (Disconnecting).
    /// </summary>
    public static SocketError ProbeReset(Socket socket)
    {
        Span<byte> info = stackalloc byte[8];
        try
        {
            socket.GetRawSocketOption(IpProtoTcp, TcpInfo, info);
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
        return info[0] switch
        {
            TcpStateClose => SocketError.ConnectionReset,
            TcpStateCloseWait => SocketError.Disconnecting,
            _ => SocketError.Success,
        };
    }

    public static int GetUserTimeoutMs(Socket socket)
    {
        Span<byte> value = stackalloc byte[4];
        socket.GetRawSocketOption(IpProtoTcp, TcpUserTimeout, value);
        return BitConverter.ToInt32(value);
    }

    private static void SetInt(Socket socket, int level, int name, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BitConverter.TryWriteBytes(bytes, value);
        socket.SetRawSocketOption(level, name, bytes);
    }
}
