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

    /// <summary>Reply to <see cref="GetInfo"/>.</summary>
    public sealed record SocketInfo(long ConnectionId, EndPoint? LocalEndPoint, EndPoint? RemoteEndPoint,
        long BytesRead, long BytesWritten, long QueuedBytes, string State);

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
/// The socket actor's state-machine inputs that come from a transport, its timers and its supervisor
/// (see ARCHITECTURE.md, "The socket actor"). Transports outside this assembly send these.
/// </summary>
public static class SocketInput
{
    /// <summary>A client socket's connection is up.</summary>
    public sealed record Connected(Transport.ITransportConnection Connection);

    /// <summary>A client socket could not connect (resolve, bind or connect failed, or timed out).</summary>
    public sealed record ConnectFailed(NetError Error);

    /// <summary>The transport has bytes (or EOF) ready to be taken with <c>TryReceive</c>.</summary>
    public sealed record Received
    {
        /// <summary>The single instance.</summary>
        public static Received Instance { get; } = new();
    }

    /// <summary>An asynchronous send finished; <paramref name="Bytes"/> left the queue.</summary>
    public sealed record SendCompleted(int Bytes);

    /// <summary>A transport operation failed.</summary>
    public sealed record TransportFailed(System.Net.Sockets.SocketError Error, string Syscall);

    /// <summary>The idle timer fired; the socket checks the stored deadline.</summary>
    public sealed record Timeout
    {
        /// <summary>The single instance.</summary>
        public static Timeout Instance { get; } = new();
    }

    /// <summary>The close timeout after our FIN expired without the peer's FIN.</summary>
    public sealed record CloseTimeout
    {
        /// <summary>The single instance.</summary>
        public static CloseTimeout Instance { get; } = new();
    }

    /// <summary>Close the connection for <paramref name="Reason"/>; the first reason wins.</summary>
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
