using System.Net;
using Akka.Actor;
using ActorNet.Options;

namespace ActorNet.Handlers;

/// <summary>
/// The connection as a handler sees it (Node's <c>net.Socket</c>). Call it only from the handler's
/// callbacks; other actors send <see cref="Protocol.SocketProtocol"/> commands to <see cref="Self"/> instead.
/// </summary>
public interface ISocket
{
    /// <summary>The socket actor; other actors may send it <see cref="Protocol.SocketProtocol"/> commands.</summary>
    IActorRef Self { get; }

    /// <summary>A number unique within the process.</summary>
    long ConnectionId { get; }

    /// <summary>Our end.</summary>
    EndPoint? LocalEndPoint { get; }

    /// <summary>The peer's end; with the PROXY protocol on, the client its header named (<see cref="Options.ServerOptions.ProxyProtocol"/>).</summary>
    EndPoint? RemoteEndPoint { get; }

    /// <summary>Bytes read from the peer so far.</summary>
    long BytesRead { get; }

    /// <summary>Bytes handed to the kernel so far.</summary>
    long BytesWritten { get; }

    /// <summary>Bytes queued, not yet handed to the kernel.</summary>
    long QueuedBytes { get; }

    /// <summary>True while the peer has not sent FIN.</summary>
    bool Readable { get; }

    /// <summary>True until <see cref="End"/> (or the automatic end) or destroy.</summary>
    bool Writable { get; }

    /// <summary>True once the socket is closed.</summary>
    bool Destroyed { get; }

    /// <summary>
    /// What the TLS handshake negotiated (protocol, cipher, SNI name, the peer's certificate); null on a plain
    /// connection. A TLS connection reaches its handler only after the handshake, so this is set from OnConnect on.
    /// </summary>
    Transport.Tls.TlsInfo? Tls => null;

    /// <summary>True while a client socket is still connecting (writes and End are queued).</summary>
    bool IsConnecting { get; }

    /// <summary>
    /// Writes (copies) <paramref name="data"/>: what the kernel takes now goes at once, the rest is queued.
    /// Returns false when the queue is at or above the high-water mark: stop writing until <see cref="IConnectionHandler.OnDrain"/>.
    /// A write after end or destroy is an error event (EPIPE, ERR_STREAM_WRITE_AFTER_END, ERR_SOCKET_CLOSED).
    /// </summary>
    bool Write(ReadOnlySpan<byte> data);

    /// <summary>Flush, send FIN, wait for the peer's FIN (up to close-timeout), then close. Idempotent.</summary>
    void End();

    /// <summary>Close now; nothing queued is sent. Idempotent.</summary>
    void Destroy();

    /// <summary>Close now with an error (Node's <c>destroy(err)</c>): OnError, then OnClose(true). Idempotent.</summary>
    void Destroy(Protocol.NetError error);

    /// <summary>Stop reading from the kernel (the peer is throttled by TCP flow control).</summary>
    void Pause();

    /// <summary>Start reading again.</summary>
    void Resume();

    /// <summary>Idle timeout, reset by every read and write; <see cref="TimeSpan.Zero"/> disables.</summary>
    void SetTimeout(TimeSpan timeout);

    /// <summary>Changes keep-alive on the live socket.</summary>
    void SetKeepAlive(KeepAliveOptions keepAlive);

    /// <summary>Changes TCP_NODELAY on the live socket.</summary>
    void SetNoDelay(bool noDelay);
}
