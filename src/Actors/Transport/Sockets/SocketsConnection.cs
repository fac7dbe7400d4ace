using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using ActorNet.Options;
using ActorNet.Protocol;

namespace ActorNet.Transport.Sockets;

/// <summary>
/// One connected <see cref="Socket"/>: reads and writes are non-blocking calls made by the socket actor. How the
/// actor learns that the socket is readable or writable again is the subclass's: .NET's socket engine
/// (<see cref="EngineConnection"/>) or ActorNet's own epoll loops (<see cref="EpollConnection"/>).
/// </summary>
internal abstract class SocketsConnection : ITransportConnection
{
    private IActorRef _owner = ActorRefs.Nobody;
    private volatile bool _closed;

    protected SocketsConnection(Socket socket)
    {
        Socket = socket;
        Socket.Blocking = false;
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
        Descriptor = (int)socket.SafeHandle.DangerousGetHandle();
    }

    public int Descriptor { get; }

    public EndPoint? LocalEndPoint { get; }

    public EndPoint? RemoteEndPoint { get; }

    /// <summary>The socket itself (tests check options with getsockopt).</summary>
    internal Socket Socket { get; }

    protected bool IsClosed => _closed;

    public virtual void Attach(IActorRef owner) => _owner = owner;

    public abstract void WaitReadable();

    public abstract void SendAsync(ReadOnlyMemory<byte> data);

    public virtual ReadResult TryReceive(Span<byte> buffer)
    {
        if (_closed) return ReadResult.Failure(SocketError.OperationAborted);
        var n = Socket.Receive(buffer, SocketFlags.None, out var error);
        // A short read almost always emptied the socket: waiting for readability saves a read that would get EAGAIN.
        return ReadResult.From(n, error, buffer.Length);
    }

    public int TrySend(ReadOnlySpan<byte> data, out SocketError error) =>
        _closed ? Closed(out error) : Socket.Send(data, SocketFlags.None, out error);

    public SocketError ShutdownSend()
    {
        if (_closed) return SocketError.NotConnected;
        try
        {
            Socket.Shutdown(SocketShutdown.Send);
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
    }

    public void Close()
    {
        if (_closed) return;
        _closed = true;
        OnClosing();
        // .NET resets (SO_LINGER 0) a socket disposed with a receive pending (the engine's zero-byte receive);
        // Node's destroy() closes with a FIN. Shutting down first completes that receive, so the close stays
        // graceful (the kernel still resets if unread data is left, as with Node).
        if (HasEngineReceive)
        {
            try
            {
                Socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
                // Not connected any more (the peer reset): there is nothing graceful left to do.
            }
        }
        Socket.Dispose();
        OnClosed();
    }

    public void Abort()
    {
        if (_closed) return;
        _closed = true;
        OnClosing();
        try
        {
            Socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
            // Already reset by the peer: closing is all that is left.
        }
        Socket.Dispose();
        OnClosed();
    }

    public NetError? SetKeepAlive(KeepAliveOptions keepAlive) =>
        _closed ? NetError.SocketClosed : IsTcp ? SocketTuning.ApplyKeepAlive(Socket, keepAlive) : null;

    public NetError? SetNoDelay(bool noDelay) =>
        _closed ? NetError.SocketClosed : IsTcp ? SocketTuning.ApplyNoDelay(Socket, noDelay) : null;

    public SocketError ProbeReset() => _closed || !IsTcp ? SocketError.Success : SocketTuning.ProbeReset(Socket);

    private bool IsTcp => Socket.AddressFamily != AddressFamily.Unix;

    /// <summary>Before the handle closes: stop waiting for events.</summary>
    /// <summary>Whether .NET's socket engine may have a receive pending on the socket (see <see cref="Close"/>).</summary>
    protected virtual bool HasEngineReceive => true;

    protected virtual void OnClosing() { }

    /// <summary>After the handle closed: release what waited for events.</summary>
    protected virtual void OnClosed() { }

    /// <summary>Tells the owner one completion, unless the connection is closed.</summary>
    protected void Deliver(object message)
    {
        if (!_closed) _owner.Tell(message, ActorRefs.NoSender);
    }

    private static int Closed(out SocketError error)
    {
        error = SocketError.OperationAborted;
        return 0;
    }
}
