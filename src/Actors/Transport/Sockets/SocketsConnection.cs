using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using ActorNet.Dispatch;
using ActorNet.Options;
using ActorNet.Protocol;

namespace ActorNet.Transport.Sockets;

/// <summary>
/// One accepted <see cref="Socket"/>. Waits for data with a zero-byte receive, so an idle
/// connection holds no buffer; the socket actor then reads synchronously into its own buffer.
/// </summary>
internal sealed class SocketsConnection : ITransportConnection
{
    private readonly Socket _socket;
    private IActorRef _owner = ActorRefs.Nobody;
    private ReadWait? _readWait;
    private SendOperation? _send;
    private volatile bool _closed;

    public SocketsConnection(Socket socket)
    {
        _socket = socket;
        _socket.Blocking = false;
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
    }

    public EndPoint? LocalEndPoint { get; }

    public EndPoint? RemoteEndPoint { get; }

    /// <summary>The socket itself, for tests that check options with getsockopt.</summary>
    internal Socket Socket => _socket;

    public void Attach(IActorRef owner) => _owner = owner;

    public void WaitReadable()
    {
        if (_closed) return;
        _readWait ??= new ReadWait(this);
        bool pending;
        try
        {
            pending = _socket.ReceiveAsync(_readWait);
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        if (!pending) _readWait.Complete();
    }

    public int TryReceive(Span<byte> buffer, out SocketError error) =>
        _closed ? Closed(out error) : _socket.Receive(buffer, SocketFlags.None, out error);

    public int TrySend(ReadOnlySpan<byte> data, out SocketError error) =>
        _closed ? Closed(out error) : _socket.Send(data, SocketFlags.None, out error);

    public void SendAsync(ReadOnlyMemory<byte> data)
    {
        if (_closed) return;
        _send ??= new SendOperation(this);
        _send.SetBuffer(MemoryOf(data));
        bool pending;
        try
        {
            pending = _socket.SendAsync(_send);
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        if (!pending) _send.Complete();
    }

    public SocketError ShutdownSend()
    {
        if (_closed) return SocketError.NotConnected;
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
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
        // .NET resets (SO_LINGER 0) a socket disposed with a receive pending; Node's destroy() closes with
        // a FIN. Shutting down first completes the pending zero-byte receive, so the close stays graceful
        // (the kernel still resets if unread data is left, as with Node).
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Not connected any more (the peer reset): there is nothing graceful left to do.
        }
        _socket.Dispose();
        Dispose();
    }

    public void Abort()
    {
        if (_closed) return;
        _closed = true;
        try
        {
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
            // Already reset by the peer: closing is all that is left.
        }
        _socket.Dispose();
        Dispose();
    }

    public NetError? SetKeepAlive(KeepAliveOptions keepAlive) =>
        _closed ? NetError.SocketClosed : IsTcp ? SocketTuning.ApplyKeepAlive(_socket, keepAlive) : null;

    public NetError? SetNoDelay(bool noDelay) =>
        _closed ? NetError.SocketClosed : IsTcp ? SocketTuning.ApplyNoDelay(_socket, noDelay) : null;

    public SocketError ProbeReset() => _closed || !IsTcp ? SocketError.Success : SocketTuning.ProbeReset(_socket);

    private bool IsTcp => _socket.AddressFamily != AddressFamily.Unix;

    private static int Closed(out SocketError error)
    {
        error = SocketError.OperationAborted;
        return 0;
    }

    private static Memory<byte> MemoryOf(ReadOnlyMemory<byte> data) =>
        System.Runtime.InteropServices.MemoryMarshal.AsMemory(data);

    private void Dispose()
    {
        // Disposed args never reach the finalizer queue (that kept every closed connection's args alive into an
        // older GC generation); one still pending is released when its operation completes with OperationAborted.
        _readWait?.Dispose();
        _send?.Dispose();
        _readWait = null;
        _send = null;
    }

    private void Deliver(object message)
    {
        if (!_closed) _owner.Tell(message, ActorRefs.NoSender);
    }

    // One socket operation whose completion becomes the owner's input.
    private abstract class Operation(SocketsConnection connection) : SocketAsyncEventArgs(unsafeSuppressExecutionContextFlow: true)
    {
        public void Complete() => connection.Deliver(Result());

        protected abstract object Result();

        // An I/O completion: a socket actor on the event-loop dispatcher may run right here (EventLoopExecutor).
        protected override void OnCompleted(SocketAsyncEventArgs e)
        {
            var was = EventLoopExecutor.EnterIo();
            try
            {
                Complete();
            }
            finally
            {
                EventLoopExecutor.ExitIo(was);
            }
        }
    }

    private sealed class ReadWait : Operation
    {
        public ReadWait(SocketsConnection connection) : base(connection) => SetBuffer(Memory<byte>.Empty);

        protected override object Result() => SocketError == SocketError.Success
            ? SocketInput.Received.Instance
            : new SocketInput.TransportFailed(SocketError, "read");
    }

    private sealed class SendOperation(SocketsConnection connection) : Operation(connection)
    {
        protected override object Result() => SocketError == SocketError.Success
            ? new SocketInput.SendCompleted(BytesTransferred)
            : new SocketInput.TransportFailed(SocketError, "write");
    }
}
