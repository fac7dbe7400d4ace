using System.Net.Sockets;
using Akka.Actor;
using ActorNet.Protocol;

namespace ActorNet.Transport.Sockets;

/// <summary>
/// A connection on one of ActorNet's epoll loops (<see cref="EpollLoop"/>). The socket is registered once,
/// edge-triggered; an edge either completes the socket actor's wait or is remembered until the next wait, so
/// arming a wait costs no system call. An idle connection holds no buffer.
/// </summary>
internal sealed class EpollConnection(Socket socket) : SocketsConnection(socket)
{
    // Read and write states: an edge seen and not yet consumed (Ready), or the owner waiting for one (Waiting).
    private const int Ready = 1;
    private const int Waiting = 2;

    private EpollLoop? _loop;
    private SocketError _registerError;
    private int _readState;
    private int _writeState = Ready;
    private volatile bool _readEndSeen;
    // Data may be left in the kernel with no edge to come for it: a Received went out and nothing was read since
    // (the owner paused in between), or the last read filled the buffer instead of emptying the socket.
    private volatile bool _mayHaveMore;
    private ReadOnlyMemory<byte> _sending;
    private int _sent;

    public override void Attach(IActorRef owner)
    {
        base.Attach(owner);
        _loop = EpollLoop.Acquire();
        var errno = _loop.Register(this, (int)Socket.SafeHandle.DangerousGetHandle());
        if (errno != 0) _registerError = ErrorOf(errno);
    }

    // Readiness comes from the loop, never from a receive in .NET's engine: a close needs no shutdown(2) first.
    protected override bool HasEngineReceive => false;

    /// <summary>The loop's id for this registration (slot and generation); set by <see cref="EpollLoop.Register"/>.</summary>
    internal long Id { get; set; }

    public override void WaitReadable()
    {
        if (IsClosed) return;
        if (_registerError != SocketError.Success)
        {
            Deliver(new TransportSignal.Failed(_registerError, "read"));
            return;
        }
        if (_mayHaveMore || _readEndSeen)
        {
            // No edge will come for what is already in the kernel, so read again now. The peer's FIN (or an error)
            // counts too: a short read returns the data before a FIN and leaves the FIN, whose edge was taken.
            Interlocked.And(ref _readState, ~Ready);
            DeliverReceived();
            return;
        }
        if (Consume(ref _readState)) DeliverReceived();
    }

    public override ReadResult TryReceive(Span<byte> buffer)
    {
        var result = base.TryReceive(buffer);
        _mayHaveMore = !result.Drained;
        return result;
    }

    public override void SendAsync(ReadOnlyMemory<byte> data)
    {
        if (IsClosed) return;
        if (_registerError != SocketError.Success)
        {
            Deliver(new TransportSignal.Failed(_registerError, "write"));
            return;
        }
        _sending = data;
        _sent = 0;
        SendPending();
    }

    /// <summary>On the loop's thread: one edge with its epoll event bits.</summary>
    internal void OnEdge(uint events)
    {
        if ((events & (EpollLoop.EpollRdHup | EpollLoop.EpollErr | EpollLoop.EpollHup)) != 0) _readEndSeen = true;
        if ((events & (EpollLoop.EpollIn | EpollLoop.EpollRdHup | EpollLoop.EpollErr | EpollLoop.EpollHup)) != 0
            && Signal(ref _readState))
            DeliverReceived();
        if ((events & (EpollLoop.EpollOut | EpollLoop.EpollErr | EpollLoop.EpollHup)) != 0 && Signal(ref _writeState))
            SendPending();
    }

    protected override void OnClosing() => _loop?.Unregister(Id);

    // The socket is closed: this connection's share of the loops is given back.
    protected override void OnClosed()
    {
        if (_loop is not null) EpollLoop.Release();
    }

    private void DeliverReceived()
    {
        _mayHaveMore = true;
        Deliver(TransportSignal.Readable.Instance);
    }

    // Sends until done, an error, or the kernel's buffer is full (then the next write edge goes on, on the loop).
    private void SendPending()
    {
        while (true)
        {
            if (IsClosed) return;
            // Cleared before the attempt: an edge after it is seen below, so none is lost.
            Interlocked.And(ref _writeState, ~Ready);
            int n;
            SocketError error;
            try
            {
                n = Socket.Send(_sending.Span[_sent..], SocketFlags.None, out error);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            if (error == SocketError.Success)
            {
                _sent += n;
                if (_sent < _sending.Length) continue;
                _sending = default;
                Deliver(new TransportSignal.Sent(_sent));
                return;
            }
            if (error != SocketError.WouldBlock)
            {
                _sending = default;
                Deliver(new TransportSignal.Failed(error, "write"));
                return;
            }
            if (Consume(ref _writeState)) continue;
            return;
        }
    }

    // The owner waits: true when an edge is already there (consumed), false when the wait is now registered.
    private static bool Consume(ref int state)
    {
        while (true)
        {
            var s = Volatile.Read(ref state);
            if ((s & Ready) != 0)
            {
                if (Interlocked.CompareExchange(ref state, s & ~Ready, s) == s) return true;
            }
            else if (Interlocked.CompareExchange(ref state, s | Waiting, s) == s)
            {
                return false;
            }
        }
    }

    // An edge: true when it completes a registered wait (taken), false when it is remembered for the next.
    private static bool Signal(ref int state)
    {
        while (true)
        {
            var s = Volatile.Read(ref state);
            if ((s & Waiting) != 0)
            {
                if (Interlocked.CompareExchange(ref state, s & ~Waiting, s) == s) return true;
            }
            else if ((s & Ready) != 0 || Interlocked.CompareExchange(ref state, s | Ready, s) == s)
            {
                return false;
            }
        }
    }

    private static SocketError ErrorOf(int errno) => errno switch
    {
        12 => SocketError.NoBufferSpaceAvailable, // ENOMEM
        28 => SocketError.NoBufferSpaceAvailable, // ENOSPC: max_user_watches reached
        _ => SocketError.SocketError,
    };
}
