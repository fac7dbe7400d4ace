using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using ActorNet.Options;
using ActorNet.Protocol;

namespace ActorNet.Transport;

/// <summary>
/// The seam between a socket actor and one connection of a transport. The rules every transport keeps:
/// <list type="bullet">
/// <item>Only the owning socket actor calls it, from inside its message handler, so implementations need no locking
/// for calls; completions arrive at the owner as <see cref="TransportSignal"/> messages, never as exceptions.</item>
/// <item>At most one read wait (<see cref="WaitReadable"/>) and one asynchronous send (<see cref="SendAsync"/>) are
/// outstanding at a time.</item>
/// <item>Whether a read emptied the connection is the transport's to say (<see cref="ReadResult.Drained"/>); the owner
/// reads again only when it was not drained, otherwise it waits for <see cref="TransportSignal.Readable"/>.</item>
/// <item>A transport that tells its owner from threads of its own (an event loop, I/O completions) wraps each
/// delivery in <see cref="IoThreadScope.Enter"/>, so that socket actors in event-loop mode run right there.</item>
/// </list>
/// </summary>
public interface ITransportConnection
{
    /// <summary>Our end of the connection.</summary>
    EndPoint? LocalEndPoint { get; }

    /// <summary>The peer's end.</summary>
    EndPoint? RemoteEndPoint { get; }

    /// <summary>The connection's OS descriptor, or -1 when it has none (in-memory): the server closes a new
    /// connection at once when its descriptor says the process is near its open-files limit.</summary>
    int Descriptor => -1;

    /// <summary>Sets the actor that receives completions; called once before anything else.</summary>
    void Attach(IActorRef owner);

    /// <summary>
    /// Arms one wait for readable data or EOF; <see cref="TransportSignal.Readable"/> (or <see cref="TransportSignal.Failed"/>)
    /// follows once. Data or EOF already waiting completes it at once, even when an earlier <see cref="TransportSignal.Readable"/>
    /// was not followed by a read (the owner paused): a transport with edge-triggered readiness must track that. A
    /// completion may find nothing to read (<see cref="SocketError.WouldBlock"/>); the owner then simply waits again.
    /// </summary>
    void WaitReadable();

    /// <summary>Non-blocking read into <paramref name="buffer"/>; see <see cref="ReadResult"/>.</summary>
    ReadResult TryReceive(Span<byte> buffer);

    /// <summary>Non-blocking write of what the kernel takes now; the rest is the caller's to queue.</summary>
    int TrySend(ReadOnlySpan<byte> data, out SocketError error);

    /// <summary>Sends all of <paramref name="data"/> asynchronously; <see cref="TransportSignal.Sent"/> or <see cref="TransportSignal.Failed"/> follows. One at a time.</summary>
    void SendAsync(ReadOnlyMemory<byte> data);

    /// <summary>shutdown(SHUT_WR): sends FIN.</summary>
    SocketError ShutdownSend();

    /// <summary>Closes the handle (FIN, or RST when unread data is left in the kernel).</summary>
    void Close();

    /// <summary>Resets the connection (RST) and closes the handle.</summary>
    void Abort();

    /// <summary>Applies keep-alive settings to the live socket; returns an error instead of throwing.</summary>
    NetError? SetKeepAlive(KeepAliveOptions keepAlive);

    /// <summary>Applies TCP_NODELAY to the live socket; returns an error instead of throwing.</summary>
    NetError? SetNoDelay(bool noDelay);

    /// <summary>
    /// While nothing is read (paused, or after the peer's FIN), a reset would go unnoticed: the socket actor
    /// asks now and then. Returns the error when the peer reset the connection, <see cref="SocketError.Disconnecting"/>
    /// when the peer sent FIN and we have not (a transport that cannot tell returns Success), otherwise Success.
    /// </summary>
    SocketError ProbeReset() => SocketError.Success;
}

/// <summary>One listening endpoint of a transport.</summary>
public interface ITransportListener
{
    /// <summary>The bound endpoint (with the real port).</summary>
    EndPoint LocalEndPoint { get; }

    /// <summary>
    /// Accepts connections, telling each to <paramref name="connections"/> as <see cref="TransportAccepted"/>,
    /// and accept errors to <paramref name="errors"/> as <see cref="TransportAcceptFailed"/>. Called once.
    /// </summary>
    void StartAccepting(IActorRef connections, IActorRef errors);

    /// <summary>Accepts the next connection once more after a <see cref="TransportAcceptFailed"/>.</summary>
    void ResumeAccepting();

    /// <summary>Closes the listening socket: new connects are refused. Idempotent.</summary>
    void Close();

    /// <summary>
    /// The server drained after <see cref="Close"/>: release what the transport had to keep until then. Completes once
    /// the transport has finished closing its connections (the server reports closed only then).
    /// </summary>
    Task Drained() => Task.CompletedTask;
}

/// <summary>A transport: how to listen.</summary>
public interface ITransport
{
    /// <summary>Binds and listens; throws <see cref="NetException"/> with Node's error on failure.</summary>
    ITransportListener Listen(ListenSpec spec);
}

/// <summary>Where and how to listen.</summary>
/// <param name="Addresses">Resolved addresses to try in order (ignored with <paramref name="Path"/>).</param>
/// <param name="Host">The host as configured, for error messages.</param>
/// <param name="Port">The port.</param>
/// <param name="Path">A Unix domain socket path, or null.</param>
/// <param name="Backlog">The listen backlog.</param>
/// <param name="ReusePort">SO_REUSEPORT.</param>
public sealed record ListenSpec(IReadOnlyList<IPAddress> Addresses, string Host, int Port, string? Path, int Backlog, bool ReusePort)
{
    /// <summary>An inherited descriptor already listening, to serve instead of opening a socket; null = open one.</summary>
    public int? Descriptor { get; init; }

    /// <summary>How long an event loop may poll for the next edges before it sleeps (transport epoll); zero = never.</summary>
    public TimeSpan BusyPoll { get; init; }
}

/// <summary>A failure in Node's vocabulary (listen, connect), carrying the <see cref="NetError"/>.</summary>
public sealed class NetException(NetError error) : Exception(error.ToString())
{
    /// <summary>The error.</summary>
    public NetError Error { get; } = error;
}

/// <summary>A connection accepted by a listener.</summary>
public sealed record TransportAccepted(ITransportConnection Connection);

/// <summary>accept(2) failed; the listener waits for <see cref="ITransportListener.ResumeAccepting"/>.</summary>
public sealed record TransportAcceptFailed(SocketError Error);

/// <summary>Makes one outgoing connection for a client socket actor.</summary>
public interface ITransportConnector
{
    /// <summary>Starts connecting; <see cref="TransportSignal.ConnectSucceeded"/> or <see cref="TransportSignal.ConnectFailed"/> follows once.</summary>
    void Connect(IActorRef owner);

    /// <summary>Cancels the attempt (destroy while connecting); nothing follows. Idempotent.</summary>
    void Cancel();
}
