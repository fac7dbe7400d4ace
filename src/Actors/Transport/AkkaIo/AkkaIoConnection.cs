using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.IO;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Transport.Sockets;

namespace ActorNet.Transport.AkkaIo;

/// <summary>
/// One Akka.IO <c>Tcp</c> connection behind the seam. Akka's connection actor talks to an
/// <see cref="AkkaIoConnectionBridge"/>, which buffers what it reads here; Akka reads in pull mode, one chunk
/// per wait (a paused socket reads nothing), and writes are acknowledged one at a time.
/// </summary>
internal sealed class AkkaIoConnection : ITransportConnection
{
    private readonly object _gate = new();
    private readonly Queue<byte[]> _incoming = new();
    private readonly IActorRef _tcp;
    private readonly Socket? _socket;
    // What the socket has now (Akka's own setting at first): a change to the same value costs no system call.
    private KeepAliveOptions _appliedKeepAlive;
    private bool _appliedNoDelay;
    private int _offset;
    private bool _eof;
    private SocketError _error = SocketError.Success;
    private bool _waiting;
    private bool _closeRequested;
    private bool _shutdownSent;
    private IActorRef _owner = ActorRefs.Nobody;

    public AkkaIoConnection(IActorRef tcp, IActorRef bridge, Socket? socket, EndPoint? local, EndPoint? remote, KeepAliveOptions keepAlive,
        bool noDelay)
    {
        _tcp = tcp;
        _socket = socket;
        Bridge = bridge;
        LocalEndPoint = local;
        RemoteEndPoint = remote;
        _appliedKeepAlive = keepAlive;
        _appliedNoDelay = noDelay;
    }

    public IActorRef Bridge { get; }

    /// <summary>The socket Akka owns (null if it could not be matched at accept); for options and reset probes only.</summary>
    internal Socket? Socket => _socket;

    public int Descriptor => _socket is null ? -1 : (int)_socket.SafeHandle.DangerousGetHandle();

    public EndPoint? LocalEndPoint { get; }

    public EndPoint? RemoteEndPoint { get; }

    public IActorRef Owner
    {
        get
        {
            lock (_gate) return _owner;
        }
    }

    public void Attach(IActorRef owner)
    {
        lock (_gate) _owner = owner;
        Bridge.Tell(new AkkaIoConnectionBridge.Attached(owner));
    }

    public void WaitReadable()
    {
        lock (_gate)
        {
            if (_incoming.Count > 0 || _eof || _error != SocketError.Success)
            {
                _owner.Tell(TransportSignal.Readable.Instance);
                return;
            }
            if (_waiting) return;
            _waiting = true;
        }
        // Through the bridge, which asks Akka for one more chunk.
        Bridge.Tell(AkkaIoConnectionBridge.ReadOnce.Instance);
    }

    public ReadResult TryReceive(Span<byte> buffer)
    {
        lock (_gate)
        {
            if (_error != SocketError.Success) return ReadResult.Failure(_error);
            if (_incoming.Count == 0) return _eof ? ReadResult.EndOfStream : ReadResult.WouldBlock;
            var total = 0;
            while (_incoming.Count > 0 && total < buffer.Length)
            {
                var chunk = _incoming.Peek();
                var n = Math.Min(chunk.Length - _offset, buffer.Length - total);
                chunk.AsSpan(_offset, n).CopyTo(buffer[total..]);
                total += n;
                _offset += n;
                if (_offset < chunk.Length) break;
                _incoming.Dequeue();
                _offset = 0;
            }
            // Drained when every chunk Akka delivered was taken: the next one comes with the next Readable.
            return new ReadResult(total, SocketError.Success, _incoming.Count == 0);
        }
    }

    // Akka.IO has no synchronous write: everything goes through an acknowledged Tcp.Write.
    public int TrySend(ReadOnlySpan<byte> data, out SocketError error)
    {
        error = SocketError.WouldBlock;
        return 0;
    }

    public void SendAsync(ReadOnlyMemory<byte> data)
    {
        var bytes = MemoryMarshal.TryGetArray(data, out var segment)
            ? ByteString.CopyFrom(segment.Array!, segment.Offset, segment.Count)
            : ByteString.CopyFrom(data.ToArray());
        _tcp.Tell(Tcp.Write.Create(bytes, new AkkaIoConnectionBridge.WriteAck(data.Length)), Bridge);
    }

    public SocketError ShutdownSend()
    {
        // ConfirmedClose: FIN now, keep reading until the peer's FIN (Akka's half-close).
        lock (_gate) _shutdownSent = true;
        _tcp.Tell(Tcp.ConfirmedClose.Instance, Bridge);
        return SocketError.Success;
    }

    public void Close() => RequestClose(Tcp.Close.Instance);

    public void Abort()
    {
        RequestClose(Tcp.Abort.Instance);
        // Akka ignores Abort once a ConfirmedClose is under way; the bridge's end makes Akka reset (death pact).
        Bridge.Tell(AkkaIoConnectionBridge.Reset.Instance);
    }

    // Akka owns the socket; these only set options on it or read its state (a closed one is left alone).
    public NetError? SetKeepAlive(KeepAliveOptions keepAlive)
    {
        if (keepAlive == _appliedKeepAlive) return null;
        var error = OnSocket(s => SocketTuning.ApplyKeepAlive(s, keepAlive), "keep-alive");
        if (error is null) _appliedKeepAlive = keepAlive;
        return error;
    }

    public NetError? SetNoDelay(bool noDelay)
    {
        if (noDelay == _appliedNoDelay) return null;
        var error = OnSocket(s => SocketTuning.ApplyNoDelay(s, noDelay), "no-delay");
        if (error is null) _appliedNoDelay = noDelay;
        return error;
    }

    public SocketError ProbeReset()
    {
        if (_socket is null || CloseRequested) return SocketError.Success;
        try
        {
            return SocketTuning.ProbeReset(_socket);
        }
        catch (ObjectDisposedException)
        {
            // Akka closed it: its close event is on the way.
            return SocketError.Success;
        }
    }

    private NetError? OnSocket(Func<Socket, NetError?> apply, string option)
    {
        if (_socket is null) return Unsupported(option);
        if (CloseRequested) return NetError.SocketClosed;
        try
        {
            return apply(_socket);
        }
        catch (ObjectDisposedException)
        {
            return NetError.SocketClosed;
        }
    }

    // Called by the bridge ------------------------------------------------------------------------

    public void Deliver(byte[] bytes)
    {
        lock (_gate)
        {
            _incoming.Enqueue(bytes);
            Wake();
        }
    }

    public void DeliverEof()
    {
        lock (_gate)
        {
            _eof = true;
            Wake();
        }
    }

    public void DeliverError(SocketError error)
    {
        lock (_gate)
        {
            if (_closeRequested) return;
            _error = error;
            _owner.Tell(new TransportSignal.Failed(error, "read"));
        }
    }

    public bool CloseRequested
    {
        get
        {
            lock (_gate) return _closeRequested;
        }
    }

    private void RequestClose(Tcp.CloseCommand command)
    {
        bool shutdownSent;
        lock (_gate)
        {
            if (_closeRequested) return;
            _closeRequested = true;
            shutdownSent = _shutdownSent;
        }
        // After a ConfirmedClose Akka takes no Close: it waits for the peer's FIN, which it reads only when asked (pull
        // mode). Over TLS the owner closes on the peer's close_notify, before that FIN was read: the bridge reads on.
        if (shutdownSent && command is Tcp.Close) Bridge.Tell(AkkaIoConnectionBridge.FinishClose.Instance);
        else _tcp.Tell(command, Bridge);
    }

    private void Wake()
    {
        if (!_waiting) return;
        _waiting = false;
        _owner.Tell(TransportSignal.Readable.Instance);
    }

    private static NetError Unsupported(string option) => new("ERR_TRANSPORT_UNSUPPORTED", "setsockopt",
        $"the akka-io transport has no handle for this connection's socket, so it cannot change {option}; set it in the server options");
}
