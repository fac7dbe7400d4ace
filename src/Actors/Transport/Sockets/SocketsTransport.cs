using System.Net;
using System.Net.Sockets;
using ActorNet.Protocol;

namespace ActorNet.Transport.Sockets;

/// <summary>
/// The default transport: <see cref="System.Net.Sockets.Socket"/> owned by the socket actor. Readiness comes
/// from .NET's socket engine (<see cref="Instance"/>) or, on Linux, from ActorNet's own epoll loops
/// (<see cref="Epoll"/>: one read and one write per echoed message instead of four system calls).
/// </summary>
public sealed class SocketsTransport : ITransport
{
    private readonly bool _epoll;

    private SocketsTransport(bool epoll) => _epoll = epoll;

    /// <summary>Accepted connections wait on .NET's socket engine (transport <c>sockets</c>).</summary>
    public static SocketsTransport Instance { get; } = new(epoll: false);

    /// <summary>
    /// Accepted connections wait on ActorNet's epoll loops (transport <c>epoll</c>); Linux on x64 or arm64 only
    /// (<see cref="EpollSupported"/>).
    /// </summary>
    public static SocketsTransport Epoll { get; } = new(epoll: true);

    /// <summary>Whether <see cref="Epoll"/> works on this machine.</summary>
    public static bool EpollSupported => EpollLoop.IsSupported;

    /// <inheritdoc />
    public ITransportListener Listen(ListenSpec spec)
    {
        if (_epoll && !EpollSupported)
            throw new NetException(new NetError("ERR_TRANSPORT_UNSUPPORTED", "listen", "transport epoll needs Linux on x64 or arm64", spec.Host, spec.Port));
        if (spec.Descriptor is { } descriptor) return ListenInherited(descriptor, spec.BusyPoll);
        return spec.Path is not null ? ListenUnix(spec) : ListenTcp(spec);
    }

    // Node's listen({fd}) and systemd socket activation: the socket was bound and made listening by whoever passed it.
    private SocketsListener ListenInherited(int descriptor, TimeSpan busyPoll)
    {
        var address = $"fd {descriptor}";
        // .NET reports a descriptor that is not open as "not a socket"; Node says EBADF.
        if (OperatingSystem.IsLinux() && !Path.Exists($"/proc/self/fd/{descriptor}"))
            throw new NetException(new NetError("EBADF", "listen", "bad file descriptor (not open in this process)", address));
        Socket socket;
        try
        {
            socket = new Socket(new SafeSocketHandle(descriptor, ownsHandle: true));
        }
        catch (SocketException e)
        {
            throw new NetException(NetError.FromSocketError(e.SocketErrorCode, "listen") with { Address = address });
        }
        try
        {
            // .NET reads the type with getsockopt(SO_TYPE), which fails on anything but a socket.
            if (socket.SocketType == SocketType.Unknown)
                throw new NetException(new NetError("ENOTSOCK", "listen", $"{address} is not a socket", address));
            if (socket.SocketType != SocketType.Stream)
                throw new NetException(new NetError("EINVAL", "listen", $"{address} is not a stream socket", address));
            if ((int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.AcceptConnection)! == 0)
                throw new NetException(new NetError("EINVAL", "listen", $"{address} is not listening", address));
            // Not the path's owner: an inherited Unix socket's file is left where it is at close.
            return new SocketsListener(socket, null, _epoll, busyPoll: busyPoll);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new NetException(NetError.FromSocketError(e.SocketErrorCode, "listen") with { Address = address });
        }
        catch (NetException)
        {
            socket.Dispose();
            throw;
        }
    }

    private ITransportListener ListenTcp(ListenSpec spec) => new SocketsListener(BindTcp(spec), null, _epoll, busyPoll: spec.BusyPoll);

    /// <summary>A listening TCP socket on the first of the spec's addresses that works, with Node's fallbacks.</summary>
    internal static Socket BindTcp(ListenSpec spec)
    {
        NetException? first = null;
        foreach (var address in spec.Addresses)
        {
            try
            {
                return BindTcp(address, spec);
            }
            catch (NetException e) when (address.Equals(IPAddress.IPv6Any) && IsIpv6Missing(e))
            {
                // Node/libuv: "::" falls back to 0.0.0.0 when IPv6 is unavailable.
                return BindTcp(IPAddress.Any, spec);
            }
            catch (NetException e)
            {
                first ??= e;
            }
        }
        throw first ?? new NetException(new NetError("ENOTFOUND", "listen", "no address to listen on", spec.Host, spec.Port));
    }

    private static bool IsIpv6Missing(NetException e) =>
        e.Error.Code is "EAFNOSUPPORT" or "EADDRNOTAVAIL";

    private static Socket BindTcp(IPAddress address, ListenSpec spec)
    {
        var endPoint = new IPEndPoint(address, spec.Port);
        Socket socket;
        try
        {
            socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        }
        catch (SocketException e)
        {
            throw new NetException(NetError.FromSocketError(e.SocketErrorCode, "listen", endPoint));
        }
        try
        {
            if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.Equals(IPAddress.IPv6Any))
                socket.DualMode = true;
            SocketTuning.SetReuseAddress(socket);
            if (spec.ReusePort) SocketTuning.SetReusePort(socket);
            socket.Bind(endPoint);
            socket.Listen(spec.Backlog);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new NetException(NetError.FromSocketError(e.SocketErrorCode, "listen", endPoint));
        }
    }

    private ITransportListener ListenUnix(ListenSpec spec)
    {
        var path = spec.Path!;
        RemoveStaleSocketFile(path);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen(spec.Backlog);
            return new SocketsListener(socket, path, _epoll, busyPoll: spec.BusyPoll);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new NetException(NetError.FromSocketError(e.SocketErrorCode, "listen") with { Address = path });
        }
    }

    // A socket file nobody listens on is left by a crashed server; one that accepts is in use.
    private static void RemoveStaleSocketFile(string path)
    {
        if (!File.Exists(path)) return;
        if ((File.GetAttributes(path) & FileAttributes.Directory) != 0 || new FileInfo(path).Length > 0)
            throw new NetException(new NetError("EADDRINUSE", "listen", "address already in use (not a socket file)", path));
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            File.Delete(path);
            return;
        }
        throw new NetException(new NetError("EADDRINUSE", "listen", "address already in use", path));
    }
}
