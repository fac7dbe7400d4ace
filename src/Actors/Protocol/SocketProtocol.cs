using System.Net;
using Akka.Actor;
using ActorNet.Options;

namespace ActorNet.Protocol;

/// <summary>
/// Messages of one connection. Commands (imperative) may be sent to a socket actor by any actor;
/// events (past tense) go to the actor that owns the socket when it uses <see cref="Handlers.ForwardingHandler"/>.
/// </summary>
public static class SocketProtocol
{
    /// <summary>Queue bytes for sending; when <paramref name="Ack"/> is set it is sent back to the sender once the bytes reached the kernel.</summary>
    public sealed record Write(ReadOnlyMemory<byte> Data, object? Ack = null);

    /// <summary>
    /// Queue bytes for sending if the socket is still writable; dropped without an error once our side has ended or the
    /// socket closed. For fan-out (a broadcast reaching a socket that is ending must not fail it); past
    /// <c>max-write-queue</c> the socket is reset with <c>ERR_WRITE_QUEUE_FULL</c>, as for <see cref="Write"/>.
    /// </summary>
    public sealed record Offer(ReadOnlyMemory<byte> Data);

    /// <summary>Flush what is queued, send FIN, then wait for the peer's FIN (up to <c>close-timeout</c>).</summary>
    public sealed record End
    {
        /// <summary>The single instance.</summary>
        public static End Instance { get; } = new();
    }

    /// <summary>Close now; nothing queued is sent.</summary>
    public sealed record Destroy
    {
        /// <summary>The single instance.</summary>
        public static Destroy Instance { get; } = new();
    }

    /// <summary>Stop reading from the kernel until <see cref="Resume"/>.</summary>
    public sealed record Pause
    {
        /// <summary>The single instance.</summary>
        public static Pause Instance { get; } = new();
    }

    /// <summary>Start reading again.</summary>
    public sealed record Resume
    {
        /// <summary>The single instance.</summary>
        public static Resume Instance { get; } = new();
    }

    /// <summary>Set the idle timeout (Node's <c>setTimeout</c>); <see cref="TimeSpan.Zero"/> disables it.</summary>
    public sealed record SetTimeout(TimeSpan Timeout);

    /// <summary>Change keep-alive on the live socket (Node's <c>setKeepAlive</c>, plus interval, probes and user timeout).</summary>
    public sealed record SetKeepAlive(KeepAliveOptions KeepAlive);

    /// <summary>Change TCP_NODELAY on the live socket (Node's <c>setNoDelay</c>).</summary>
    public sealed record SetNoDelay(bool NoDelay);

    /// <summary>Ask for a <see cref="SocketInfo"/> reply.</summary>
    public sealed record GetInfo
    {
        /// <summary>The single instance.</summary>
        public static GetInfo Instance { get; } = new();
    }

    /// <summary>Reply to <see cref="GetInfo"/>; <paramref name="Tls"/> is what the TLS handshake negotiated (null on plain TCP).</summary>
    public sealed record SocketInfo(long ConnectionId, EndPoint? LocalEndPoint, EndPoint? RemoteEndPoint,
        long BytesRead, long BytesWritten, long QueuedBytes, string State, Transport.Tls.TlsInfo? Tls = null);

    /// <summary>The connection is open; <paramref name="Socket"/> takes the commands above.</summary>
    public sealed record Connected(IActorRef Socket, long ConnectionId, EndPoint? LocalEndPoint, EndPoint? RemoteEndPoint);

    /// <summary>Bytes read from the peer (a copy, owned by the receiver).</summary>
    public sealed record Data(IActorRef Socket, byte[] Bytes);

    /// <summary>The peer sent FIN; every byte before it was delivered.</summary>
    public sealed record Ended(IActorRef Socket);

    /// <summary>The write queue fell back under the high-water mark.</summary>
    public sealed record Drained(IActorRef Socket);

    /// <summary>The idle timeout expired; the socket is still open.</summary>
    public sealed record TimedOut(IActorRef Socket);

    /// <summary>An error; <see cref="Closed"/> with <c>HadError = true</c> follows.</summary>
    public sealed record ErrorOccurred(IActorRef Socket, NetError Error);

    /// <summary>The socket is closed; the socket actor stops right after.</summary>
    public sealed record Closed(IActorRef Socket, bool HadError);
}

/// <summary>
/// What a connection's supervisor tells its socket actors (the transport's own messages are <see cref="TransportSignal"/>).
/// </summary>
public static class SocketInput
{
    /// <summary>Close the connection for <paramref name="Reason"/> (server drain or abort); the first reason wins.</summary>
    public sealed record Shutdown(ShutdownReason Reason);
}

/// <summary>Why a socket is being shut down by its supervisor; decides FIN or RST.</summary>
public enum ShutdownReason
{
    /// <summary>Drain deadline: flush, FIN, wait for the peer (graceful).</summary>
    Drain,
    /// <summary>Past the grace after the drain deadline, or a forced close: reset at once.</summary>
    Abort,
}
