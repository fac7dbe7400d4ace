using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using ActorNet.Options;
using ActorNet.Protocol;

namespace ActorNet.Transport.InMemory;

/// <summary>
/// One end of an in-process connection with TCP's semantics: FIN per direction (half-close), reset,
/// and a bounded buffer per direction, so a peer that does not read stops the writer. No sockets.
/// </summary>
public sealed class InMemoryConnection : ITransportConnection
{
    private readonly InMemoryPipe _pipe;
    private readonly int _side;
    private IActorRef _owner = ActorRefs.Nobody;
    private bool _waitingToRead;
    private ReadOnlyMemory<byte> _pendingSend;
    private int _pendingSent;
    private bool _closed;

    private InMemoryConnection(InMemoryPipe pipe, int side, EndPoint local, EndPoint remote)
    {
        _pipe = pipe;
        _side = side;
        LocalEndPoint = local;
        RemoteEndPoint = remote;
    }

    /// <summary>Makes a connected pair; <paramref name="bufferSize"/> bytes fit in each direction before writes wait.</summary>
    public static (InMemoryConnection Server, InMemoryConnection Client) CreatePair(int bufferSize = 64 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        var pipe = new InMemoryPipe(bufferSize);
        var serverEnd = new DnsEndPoint("in-memory-server", 1);
        var clientEnd = new DnsEndPoint("in-memory-client", 2);
        var server = new InMemoryConnection(pipe, 0, serverEnd, clientEnd);
        var client = new InMemoryConnection(pipe, 1, clientEnd, serverEnd);
        server.Peer = client;
        client.Peer = server;
        return (server, client);
    }

    /// <inheritdoc />
    public EndPoint? LocalEndPoint { get; }

    /// <inheritdoc />
    public EndPoint? RemoteEndPoint { get; }

    private InMemoryConnection Peer { get; set; } = null!;

    private InMemoryPipe.Direction Outgoing => _pipe.Directions[_side];

    private InMemoryPipe.Direction Incoming => _pipe.Directions[1 - _side];

    /// <inheritdoc />
    public void Attach(IActorRef owner) => _owner = owner;

    /// <inheritdoc />
    public void WaitReadable()
    {
        lock (_pipe.Gate)
        {
            if (Incoming.Count > 0 || Incoming.Fin || _pipe.ResetError != SocketError.Success) Notify(TransportSignal.Readable.Instance);
            else _waitingToRead = true;
        }
    }

    /// <inheritdoc />
    public ReadResult TryReceive(Span<byte> buffer)
    {
        lock (_pipe.Gate)
        {
            if (_pipe.ResetError != SocketError.Success) return ReadResult.Failure(_pipe.ResetError);
            if (Incoming.Count == 0) return Incoming.Fin ? ReadResult.EndOfStream : ReadResult.WouldBlock;
            var n = Incoming.Read(buffer);
            Peer.PushPending(); // room again: the peer's waiting send goes on
            return new ReadResult(n, SocketError.Success, Incoming.Count == 0);
        }
    }

    /// <inheritdoc />
    public int TrySend(ReadOnlySpan<byte> data, out SocketError error)
    {
        lock (_pipe.Gate)
        {
            if (!CanSend(out error)) return 0;
            var n = Outgoing.Write(data);
            if (n == 0) error = SocketError.WouldBlock;
            else Peer.WakeReader();
            return n;
        }
    }

    /// <inheritdoc />
    public void SendAsync(ReadOnlyMemory<byte> data)
    {
        lock (_pipe.Gate)
        {
            _pendingSend = data;
            _pendingSent = 0;
            PushPending();
        }
    }

    /// <inheritdoc />
    public SocketError ShutdownSend()
    {
        lock (_pipe.Gate)
        {
            if (!CanSend(out var error)) return error == SocketError.Shutdown ? SocketError.Success : error;
            Outgoing.Fin = true;
            Peer.WakeReader();
            return SocketError.Success;
        }
    }

    /// <inheritdoc />
    public void Close()
    {
        lock (_pipe.Gate)
        {
            if (_closed) return;
            _closed = true;
            // Like the kernel: closing with unread data resets the peer, otherwise it is a FIN.
            if (Incoming.Count > 0) ResetLocked();
            else
            {
                Outgoing.Fin = true;
                Peer.WakeReader();
            }
        }
    }

    /// <inheritdoc />
    public void Abort()
    {
        lock (_pipe.Gate)
        {
            if (_closed) return;
            _closed = true;
            ResetLocked();
        }
    }

    /// <inheritdoc />
    public NetError? SetKeepAlive(KeepAliveOptions keepAlive) => null;

    /// <inheritdoc />
    public NetError? SetNoDelay(bool noDelay) => null;

    private bool CanSend(out SocketError error)
    {
        error = _pipe.ResetError != SocketError.Success ? _pipe.ResetError
            : _closed || Outgoing.Fin ? SocketError.Shutdown
            : Peer._closed ? SocketError.ConnectionReset
            : SocketError.Success;
        return error == SocketError.Success;
    }

    private void ResetLocked()
    {
        _pipe.ResetError = SocketError.ConnectionReset;
        Peer.WakeReader();
        Peer.FailPending();
    }

    private void WakeReader()
    {
        if (!_waitingToRead) return;
        _waitingToRead = false;
        Notify(TransportSignal.Readable.Instance);
    }

    private void PushPending()
    {
        if (_pendingSend.IsEmpty) return;
        if (!CanSend(out var error))
        {
            _pendingSend = default;
            Notify(new TransportSignal.Failed(error, "write"));
            return;
        }
        var n = Outgoing.Write(_pendingSend.Span[_pendingSent..]);
        if (n > 0) Peer.WakeReader();
        _pendingSent += n;
        if (_pendingSent < _pendingSend.Length) return;
        var total = _pendingSend.Length;
        _pendingSend = default;
        Notify(new TransportSignal.Sent(total));
    }

    private void FailPending()
    {
        if (_pendingSend.IsEmpty) return;
        _pendingSend = default;
        Notify(new TransportSignal.Failed(SocketError.ConnectionReset, "write"));
    }

    private void Notify(object message)
    {
        if (!_closed) _owner.Tell(message, ActorRefs.NoSender);
    }
}
