using System.Net;
using System.Net.Sockets;

namespace ActorNet.Protocol;

/// <summary>
/// An error in Node's vocabulary: a code such as <c>ECONNRESET</c>, the system call that failed,
/// and where known the address and port. <see cref="ToString"/> reads like Node's message,
/// e.g. <c>listen EADDRINUSE: address already in use 127.0.0.1:7000</c>.
/// </summary>
/// <param name="Code">Node's error code (<c>EADDRINUSE</c>, <c>ECONNRESET</c>, <c>ERR_SOCKET_CLOSED</c>, ...).</param>
/// <param name="Syscall">The operation that failed (<c>listen</c>, <c>bind</c>, <c>read</c>, <c>write</c>, ...), or null.</param>
/// <param name="Message">A short human description.</param>
/// <param name="Address">The address involved, if any.</param>
/// <param name="Port">The port involved, if any.</param>
public sealed record NetError(string Code, string? Syscall, string Message, string? Address = null, int? Port = null)
{
    /// <inheritdoc />
    public override string ToString()
    {
        var where = Address is null ? "" : Port is null ? $" {Address}" : $" {Address}:{Port}";
        return Syscall is null ? $"{Code}: {Message}{where}" : $"{Syscall} {Code}: {Message}{where}";
    }

    /// <summary>Writing to a socket that was already destroyed (Node's <c>ERR_SOCKET_CLOSED</c>).</summary>
    public static NetError SocketClosed { get; } = new("ERR_SOCKET_CLOSED", "write", "Socket is closed");

    /// <summary>Writing after the peer ended and the socket was ended automatically (Node: EPIPE).</summary>
    public static NetError EndedByPeer { get; } = new("EPIPE", "write", "This socket has been ended by the other party");

    /// <summary>Writing after the application itself called End (Node's <c>ERR_STREAM_WRITE_AFTER_END</c>).</summary>
    public static NetError WriteAfterEnd { get; } = new("ERR_STREAM_WRITE_AFTER_END", "write", "write after end");

    /// <summary>The per-connection write queue passed its hard cap (<c>max-write-queue</c>).</summary>
    public static NetError WriteQueueFull(long cap) =>
        new("ERR_WRITE_QUEUE_FULL", "write", $"write queue exceeded max-write-queue ({cap} bytes); the peer is not reading");

    /// <summary>Closing a server that is not listening (Node's <c>ERR_SERVER_NOT_RUNNING</c>).</summary>
    public static NetError ServerNotRunning { get; } = new("ERR_SERVER_NOT_RUNNING", "close", "Server is not running.");

    /// <summary>Listening on a server that already listens (Node's <c>ERR_SERVER_ALREADY_LISTEN</c>).</summary>
    public static NetError AlreadyListening { get; } =
        new("ERR_SERVER_ALREADY_LISTEN", "listen", "Listen method has been called more than once without closing.");

    /// <summary>Maps an OS socket error to Node's code and message.</summary>
    public static NetError FromSocketError(SocketError error, string syscall, EndPoint? endPoint = null)
    {
        var (code, message) = Classify(error);
        var (address, port) = Describe(endPoint);
        return new NetError(code, syscall, message, address, port);
    }

    /// <summary>Splits an endpoint into Node's address and port fields.</summary>
    public static (string? Address, int? Port) Describe(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip => (ip.Address.ToString(), ip.Port),
        UnixDomainSocketEndPoint unix => (unix.ToString(), null),
        null => (null, null),
        _ => (endPoint.ToString(), null),
    };

    // One closed vocabulary of error codes, as Node has; messages are libuv's uv_strerror texts.
    private static (string Code, string Message) Classify(SocketError error) => error switch
    {
        SocketError.ConnectionReset => ("ECONNRESET", "connection reset by peer"),
        SocketError.Shutdown => ("EPIPE", "broken pipe"),
        SocketError.ConnectionAborted => ("ECONNABORTED", "software caused connection abort"),
        SocketError.TimedOut => ("ETIMEDOUT", "connection timed out"),
        SocketError.AddressAlreadyInUse => ("EADDRINUSE", "address already in use"),
        SocketError.AccessDenied => ("EACCES", "permission denied"),
        SocketError.AddressNotAvailable => ("EADDRNOTAVAIL", "address not available"),
        SocketError.ConnectionRefused => ("ECONNREFUSED", "connection refused"),
        SocketError.HostUnreachable => ("EHOSTUNREACH", "host is unreachable"),
        SocketError.NetworkUnreachable => ("ENETUNREACH", "network is unreachable"),
        SocketError.HostNotFound => ("ENOTFOUND", "name not resolved"),
        SocketError.TryAgain => ("EAI_AGAIN", "temporary failure in name resolution"),
        SocketError.TooManyOpenSockets => ("EMFILE", "too many open files"),
        SocketError.NoBufferSpaceAvailable => ("ENOBUFS", "no buffer space available"),
        SocketError.NotConnected => ("ENOTCONN", "socket is not connected"),
        SocketError.AddressFamilyNotSupported => ("EAFNOSUPPORT", "address family not supported"),
        SocketError.OperationAborted => ("ECANCELED", "operation canceled"),
        SocketError.InvalidArgument => ("EINVAL", "invalid argument"),
        SocketError.NotSocket => ("ENOTSOCK", "socket operation on non-socket"),
        _ => ("E" + error.ToString().ToUpperInvariant(), error.ToString()),
    };
}
