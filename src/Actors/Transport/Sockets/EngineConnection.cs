using System.Net.Sockets;
using ActorNet.Protocol;

namespace ActorNet.Transport.Sockets;

/// <summary>
/// A connection served by .NET's socket engine. Waits for data with a zero-byte receive, so an idle
/// connection holds no buffer; the socket actor then reads synchronously into its own buffer.
/// </summary>
internal sealed class EngineConnection(Socket socket) : SocketsConnection(socket)
{
    private ReadWait? _readWait;
    private SendOperation? _send;

    public override void WaitReadable()
    {
        if (IsClosed) return;
        _readWait ??= new ReadWait(this);
        bool pending;
        try
        {
            pending = Socket.ReceiveAsync(_readWait);
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        if (!pending) _readWait.Complete();
    }

    public override void SendAsync(ReadOnlyMemory<byte> data)
    {
        if (IsClosed) return;
        _send ??= new SendOperation(this);
        _send.SetBuffer(System.Runtime.InteropServices.MemoryMarshal.AsMemory(data));
        bool pending;
        try
        {
            pending = Socket.SendAsync(_send);
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        if (!pending) _send.Complete();
    }

    protected override void OnClosed()
    {
        // Disposed args never reach the finalizer queue (that kept every closed connection's args alive into an
        // older GC generation); one still pending is released when its operation completes with OperationAborted.
        _readWait?.Dispose();
        _send?.Dispose();
        _readWait = null;
        _send = null;
    }

    // One socket operation whose completion becomes the owner's input.
    private abstract class Operation(EngineConnection connection) : SocketAsyncEventArgs(unsafeSuppressExecutionContextFlow: true)
    {
        public void Complete() => connection.Deliver(Result());

        protected abstract object Result();

        // An I/O completion: a socket actor on the event-loop dispatcher may run right here.
        protected override void OnCompleted(SocketAsyncEventArgs e)
        {
            using var scope = IoThreadScope.Enter();
            Complete();
        }
    }

    private sealed class ReadWait : Operation
    {
        public ReadWait(EngineConnection connection) : base(connection) => SetBuffer(Memory<byte>.Empty);

        protected override object Result() => SocketError == SocketError.Success
            ? TransportSignal.Readable.Instance
            : new TransportSignal.Failed(SocketError, "read");
    }

    private sealed class SendOperation(EngineConnection connection) : Operation(connection)
    {
        protected override object Result() => SocketError == SocketError.Success
            ? new TransportSignal.Sent(BytesTransferred)
            : new TransportSignal.Failed(SocketError, "write");
    }
}
