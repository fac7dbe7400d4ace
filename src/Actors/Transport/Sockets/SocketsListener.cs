using System.Net;
using System.Net.Sockets;
using Akka.Actor;

namespace ActorNet.Transport.Sockets;

/// <summary>
/// A listening <see cref="Socket"/> with an accept loop; accepted sockets are told to the owner, or, with an adopter,
/// handed to it as <see cref="AcceptedSocket"/> (the akka-io transport gives them to Akka.IO). Either way a socket
/// accepted past the open-files line is closed at once and the owner hears of it as a closed connection.
/// </summary>
internal sealed class SocketsListener : ITransportListener
{
    // Accepts completed synchronously in one go before the loop yields the thread.
    private const int MaxSynchronousAccepts = 32;

    private readonly Socket _socket;
    private readonly string? _unixPath;
    private readonly bool _epoll;
    private readonly TimeSpan _busyPoll;
    private readonly AcceptOperation _accept;
    private readonly IActorRef? _adopter;
    private IActorRef _connections = ActorRefs.Nobody;
    private IActorRef _errors = ActorRefs.Nobody;
    private int _closed;

    public SocketsListener(Socket socket, string? unixPath, bool epoll, IActorRef? adopter = null, TimeSpan busyPoll = default)
    {
        // On transport epoll the listener holds a share of the epoll loops from listen to close, so they start here
        // (an error names the listen call) and stay up between connections; live connections hold shares of their own.
        if (epoll)
        {
            try
            {
                EpollLoop.Acquire(busyPoll);
            }
            catch (NetException)
            {
                socket.Dispose();
                if (unixPath is not null) File.Delete(unixPath);
                throw;
            }
        }
        _socket = socket;
        _unixPath = unixPath;
        _epoll = epoll;
        _busyPoll = busyPoll;
        _adopter = adopter;
        LocalEndPoint = socket.LocalEndPoint!;
        _accept = new AcceptOperation(this);
    }

    public EndPoint LocalEndPoint { get; }

    public void StartAccepting(IActorRef connections, IActorRef errors)
    {
        _connections = connections;
        _errors = errors;
        AcceptLoop();
    }

    public void ResumeAccepting() => AcceptLoop();

    public void Close()
    {
        // Atomic: the server and its listener actor may both close it, and the epoll share is given back once.
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        _socket.Dispose();
        if (_unixPath is not null) File.Delete(_unixPath);
        if (_epoll) EpollLoop.Release(_busyPoll);
    }

    private void AcceptLoop()
    {
        for (var i = 0; i < MaxSynchronousAccepts; i++)
        {
            if (Volatile.Read(ref _closed) != 0) return;
            _accept.AcceptSocket = null;
            bool pending;
            try
            {
                pending = _socket.AcceptAsync(_accept);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            if (pending || !Deliver()) return;
        }
        // Fairness: continue on another thread rather than starve this one.
        ThreadPool.UnsafeQueueUserWorkItem(static l => l.AcceptLoop(), this, preferLocal: false);
    }

    /// <summary>Tells the owner about one finished accept; true when the loop may go on.</summary>
    private bool Deliver()
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            _accept.AcceptSocket?.Dispose();
            return false;
        }
        if (_accept.SocketError == SocketError.Success && _accept.AcceptSocket is { } accepted)
        {
            if (_adopter is not null && !Server.DescriptorLimit.IsPastLine((int)accepted.SafeHandle.DangerousGetHandle()))
            {
                _adopter.Tell(new AcceptedSocket(accepted), ActorRefs.NoSender);
                return true;
            }
            SocketsConnection connection = _epoll ? new EpollConnection(accepted) : new EngineConnection(accepted);
            // Near the open-files limit the descriptor goes back at once, before a burst of accepts can take the
            // last ones (EMFILE); the supervisor still hears of it, to count and log it.
            if (Server.DescriptorLimit.IsPastLine(connection.Descriptor)) connection.Close();
            _connections.Tell(new TransportAccepted(connection), ActorRefs.NoSender);
            return true;
        }
        if (_accept.SocketError == SocketError.OperationAborted) return false;
        _errors.Tell(new TransportAcceptFailed(_accept.SocketError), ActorRefs.NoSender);
        return false;
    }

    private sealed class AcceptOperation(SocketsListener listener) : SocketAsyncEventArgs(unsafeSuppressExecutionContextFlow: true)
    {
        protected override void OnCompleted(SocketAsyncEventArgs e)
        {
            // A completion of the socket engine: in event-loop mode the supervisor admits the connection right here,
            // and the new socket actor starts right after it, with no hand-off to the thread pool.
            using var scope = IoThreadScope.Enter();
            if (listener.Deliver()) listener.AcceptLoop();
        }
    }
}

/// <summary>A socket a <see cref="SocketsListener"/> with an adopter accepted; the adopter owns it from now on.</summary>
internal sealed record AcceptedSocket(Socket Socket);
