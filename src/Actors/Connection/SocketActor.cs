using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using ActorNet.Diagnostics;
using ActorNet.Handlers;
using ActorNet.Protocol;
using ActorNet.Transport;

namespace ActorNet.Connection;

/// <summary>
/// One connection: Node's socket state machine over a transport, with the handler called inside. This file holds
/// the state and every transition; docs/socket-states.md is the table of states and inputs (checked by a test). The
/// read pump (Reading), the write queue (Writing), the timers (Timers), socket options (Socket) and construction (Lifetime) are in the other SocketActor.*.cs files.
/// </summary>
/// <remarks>
/// State is three small enums: the lifecycle, the read side and the write side. <see cref="Readable"/>,
/// <see cref="Writable"/>, <see cref="Destroyed"/> and the reported state are derived from them.
/// Re-entrancy: handler callbacks may call back into this socket (Write, End, Destroy, Pause...). Each such call is a
/// transition of its own, made at once; the one rule is in <see cref="Notify"/>: after a callback, a transition goes
/// on only while the socket is still open.
/// </remarks>
internal sealed partial class SocketActor : UntypedActor, ISocket, IWithTimers
{
    private enum Lifecycle { Connecting, Open, Closed }

    // Stopped: the server's drain deadline stopped reading for good (a handler's Resume does not undo it).
    private enum ReadSide { Flowing, Paused, Stopped, Ended }

    private enum WriteSide { Open, Ending, Ended }

    private Lifecycle _life = Lifecycle.Open;
    private ReadSide _read = ReadSide.Flowing;
    private WriteSide _write = WriteSide.Open;
    // The write side was ended by our auto-end after the peer's FIN (allow-half-open off): a later write is EPIPE.
    private bool _endedByPeer;

    private readonly Func<IConnectionHandler> _handlerFactory;
    private IConnectionHandler _handler = null!;
    private readonly ConnectionSettings _settings;
    private ITransportConnection _connection = PendingConnection.Instance;
    private readonly ITransportConnector? _connector;
    private IActorRef _self = ActorRefs.Nobody;

    // Cached: ActorBase.Self is only valid on the actor's own thread, and handlers may hand this out.
    IActorRef ISocket.Self => _self;

    public long ConnectionId { get; }

    public bool Readable => _life != Lifecycle.Closed && _read != ReadSide.Ended;

    public bool Writable => _life != Lifecycle.Closed && _write == WriteSide.Open;

    public bool Destroyed => _life == Lifecycle.Closed;

    public bool IsConnecting => _life == Lifecycle.Connecting;

    /// <summary>The state reported in <see cref="SocketProtocol.SocketInfo"/> and used by docs/socket-states.md.</summary>
    private string StateName => _life switch
    {
        Lifecycle.Connecting => "connecting",
        Lifecycle.Closed => "closed",
        _ when _write == WriteSide.Ended => "write-ended",
        _ when _read == ReadSide.Ended => "read-ended",
        _ => "open",
    };

    // ---- inputs ----------------------------------------------------------------------------

    protected override void OnReceive(object message)
    {
        if (_life == Lifecycle.Closed)
        {
            OnReceiveWhenClosed(message);
            return;
        }
        switch (message)
        {
            case TransportSignal.Readable:
                OnReadable();
                break;
            case TransportSignal.Sent sent:
                OnSent(sent.Bytes);
                break;
            case TransportSignal.Failed failed:
                OnFailed(failed.Error, failed.Syscall);
                break;
            case TransportSignal.ConnectSucceeded connected when _life == Lifecycle.Connecting:
                OnConnected(connected.Connection);
                break;
            case TransportSignal.ConnectFailed failed when _life == Lifecycle.Connecting:
                Close(failed.Error, abort: false, "connect failed");
                break;
            case Timeout:
                OnIdleTimer();
                break;
            case PeerFinOverdue when _write == WriteSide.Ended:
                Close(null, abort: false, "close timeout");
                break;
            case PeerFinOverdue:
                break;
            case ResetProbeTick:
                OnResetProbeTick();
                break;
            case SocketInput.Shutdown { Reason: ShutdownReason.Abort }:
                _closeCause ??= CloseReason.Drain;
                Close(null, abort: true, "aborted by server close");
                break;
            case SocketInput.Shutdown:
                OnDrainDeadline();
                break;
            case SocketProtocol.Write write:
                Write(write.Data.Span, write.Ack, Sender);
                break;
            case SocketProtocol.Offer offer when _write == WriteSide.Open:
                Write(offer.Data.Span, null, null);
                break;
            case SocketProtocol.Offer:
                break;
            case SocketProtocol.End:
                End();
                break;
            case SocketProtocol.Destroy:
                Destroy();
                break;
            case SocketProtocol.Pause:
                Pause();
                break;
            case SocketProtocol.Resume:
                Resume();
                break;
            default:
                // SetTimeout, SetKeepAlive, SetNoDelay, GetInfo: options and facts, the same in every live state.
                if (!OnOptionCommand(message)) Unhandled(message);
                break;
        }
        // Once per message (a read batch, a write completion, a handler's writes): never per read or per byte.
        if (Metrics is not null) ReportIo();
    }

    /// <summary>Closed: inputs are dropped, commands get an error reply until the actor stops.</summary>
    private void OnReceiveWhenClosed(object message)
    {
        switch (message)
        {
            case SocketProtocol.Write { Ack: not null }:
                Sender.Tell(new SocketProtocol.ErrorOccurred(_self, NetError.SocketClosed));
                break;
            case SocketProtocol.GetInfo:
                Sender.Tell(Info());
                break;
            case TransportSignal.ConnectSucceeded late:
                // Destroyed while connecting, and the connect won the race: nobody owns this connection.
                late.Connection.Abort();
                break;
        }
    }

    // ---- transitions -----------------------------------------------------------------------

    /// <summary>Connecting → open: the handler hears Connect, then what was written while connecting goes out.</summary>
    private void OnConnected(ITransportConnection connection)
    {
        _connection = connection;
        _connection.Attach(Self);
        ApplyOptionsHeldWhileConnecting();
        _life = Lifecycle.Open;
        // Guarded: the arguments would be boxed into an array per connection even with debug off.
        if (Logger.IsDebugEnabled)
            Logger.Debug("Connection {ConnectionId} open from {RemoteEndPoint} to {LocalEndPoint}", ConnectionId, RemoteEndPoint, LocalEndPoint);
        if (!Notify(static (h, s) => h.OnConnect(s))) return;
        // Writes and End made while connecting go out now, in order (Node's connect queue).
        if (!_queue.IsSending)
        {
            if (_queue.Length > 0) SendQueued();
            else if (_write == WriteSide.Ending) SendFin();
        }
        if (_read == ReadSide.Flowing) ArmRead();
        else StartResetProbe();
    }

    /// <summary>Received: bytes from the peer go to the handler (the read pump calls this for every read).</summary>
    private void OnReceived(ReadOnlySpan<byte> data)
    {
        _bytesRead += data.Length;
        Touch();
        _handler.OnData(this, data);
    }

    /// <summary>PeerClosed (the peer's FIN): the read side ends; with allow-half-open off, so does ours.</summary>
    private void OnPeerClosed()
    {
        _read = ReadSide.Ended;
        _closeCause ??= CloseReason.PeerEnd;
        // Nothing is read any more, so a later reset would go unnoticed without the probe.
        StartResetProbe();
        if (!Notify(static (h, s) => h.OnEnd(s))) return;
        if (_write == WriteSide.Ended)
        {
            Close(null, abort: false, "both sides ended");
            return;
        }
        if (!_settings.AllowHalfOpen && _write == WriteSide.Open)
        {
            // Node's onReadableStreamEnd: end our side once the 'end' listeners ran; later writes get EPIPE.
            _endedByPeer = true;
            End();
        }
    }

    /// <summary>
    /// Write: a write after our End fails the socket — ERR_STREAM_WRITE_AFTER_END, or EPIPE when the End was ours
    /// automatically after the peer's FIN (allow-half-open off), as in Node. Otherwise see the write pump.
    /// </summary>
    private bool Write(ReadOnlySpan<byte> data, object? ack, IActorRef? replyTo)
    {
        if (_life == Lifecycle.Closed)
        {
            if (ack is not null) replyTo?.Tell(new SocketProtocol.ErrorOccurred(_self, NetError.SocketClosed));
            return false;
        }
        if (_write != WriteSide.Open)
        {
            var afterEnd = _endedByPeer ? NetError.EndedByPeer : NetError.WriteAfterEnd;
            if (ack is not null) replyTo?.Tell(new SocketProtocol.ErrorOccurred(_self, afterEnd));
            Close(afterEnd, abort: false, "write after end");
            return false;
        }
        return Enqueue(data, ack, replyTo);
    }

    public bool Write(ReadOnlySpan<byte> data) => Write(data, null, ActorRefs.NoSender);

    /// <summary>End: flush what is queued, then FIN. Idempotent.</summary>
    public void End()
    {
        if (_life == Lifecycle.Closed || _write != WriteSide.Open) return;
        _closeCause ??= LocalCause;
        _write = WriteSide.Ending;
        if (_life == Lifecycle.Open && !_queue.IsSending && _queue.Length == 0) SendFin();
    }

    /// <summary>Our FIN: the write side ends; with the read side ended too, the socket closes.</summary>
    private void SendFin()
    {
        var error = _connection.ShutdownSend();
        _write = WriteSide.Ended;
        if (error is not (SocketError.Success or SocketError.NotConnected))
            Close(NetError.FromSocketError(error, "shutdown", RemoteEndPoint), abort: false, "shutdown error");
        else if (_read == ReadSide.Ended || error == SocketError.NotConnected)
            Close(null, abort: false, "both sides ended");
        else
            StartPeerFinTimer();
    }

    /// <summary>Sent: the write pump moves on; an End waiting for the queue sends FIN; a full queue emptied emits Drain.</summary>
    private void OnSent(int bytes)
    {
        if (!SendCompleted(bytes)) return;
        if (_write == WriteSide.Ending) SendFin();
        if (_life == Lifecycle.Closed || !_needDrain) return;
        _needDrain = false;
        Notify(static (h, s) => h.OnDrain(s));
    }

    /// <summary>Failed: a transport error closes the socket with Node's code (a cancelled operation is ours, not an error).</summary>
    private void OnFailed(SocketError error, string syscall)
    {
        if (error == SocketError.OperationAborted) return;
        Close(NetError.FromSocketError(error, syscall, RemoteEndPoint), abort: false, syscall + " error");
    }

    /// <summary>
    /// Shutdown Drain (the server's drain deadline): stop reading, so a client that keeps sending cannot keep the
    /// handler writing after our End, then flush and FIN. The supervisor resets what is still open after drain-grace.
    /// </summary>
    private void OnDrainDeadline()
    {
        _closeCause ??= CloseReason.Drain;
        if (_read is ReadSide.Flowing or ReadSide.Paused)
        {
            _read = ReadSide.Stopped;
            StartResetProbe();
        }
        End();
    }

    public void Pause()
    {
        if (_read != ReadSide.Flowing) return;
        _read = ReadSide.Paused;
        StartResetProbe();
    }

    public void Resume()
    {
        if (_read != ReadSide.Paused) return;
        _read = ReadSide.Flowing;
        ArmRead();
    }

    public void Destroy() => Close(null, abort: false, "destroyed");

    public void Destroy(NetError error) => Close(error, abort: false, "destroyed: " + error.Code);

    /// <summary>
    /// Any state → closed, once: the first reason wins. Graceful closes the handle (FIN), abort resets (RST). The
    /// handler hears Error (if any) and Close before the actor stops; pending acks fail.
    /// </summary>
    private void Close(NetError? error, bool abort, string reason)
    {
        if (_life == Lifecycle.Closed) return;
        var wasConnecting = _life == Lifecycle.Connecting;
        _life = Lifecycle.Closed;
        Timers.CancelAll();
        if (wasConnecting) _connector?.Cancel();
        else if (abort) _connection.Abort();
        else _connection.Close();
        DropQueue(error ?? NetError.SocketClosed);
        if (Metrics is not null) RecordClose(error);
        if (error is not null)
        {
            if (Logger.IsDebugEnabled) Logger.Debug("Connection {ConnectionId} from {RemoteEndPoint} failed: {Error}", ConnectionId, RemoteEndPoint, error);
            _handler.OnError(this, error);
        }
        if (Logger.IsDebugEnabled)
            Logger.Debug("Connection {ConnectionId} from {RemoteEndPoint} closed: {CloseReason} ({BytesRead} read, {BytesWritten} written)",
                ConnectionId, RemoteEndPoint, reason, _bytesRead, _bytesWritten);
        _handler.OnClose(this, error is not null);
        Context.Stop(Self);
    }

    /// <summary>
    /// Calls the handler. The one place that deals with re-entrancy: the callback may have closed the socket
    /// (Destroy, a failed Write), so the caller goes on only when this returns true.
    /// </summary>
    private bool Notify(Action<IConnectionHandler, ISocket> callback)
    {
        callback(_handler, this);
        return _life != Lifecycle.Closed;
    }

    // ---- start ---------------------------------------------------------------------------

    private void Start()
    {
        _self = Self;
        _handler = _handlerFactory();
        if (_settings.PauseOnConnect) _read = ReadSide.Paused;
        // Node: the timeout option is setTimeout right after creation, so it covers connecting too.
        SetTimeout(_settings.IdleTimeout);
        if (_connector is null) OnConnected(_connection);
        else _connector.Connect(Self);
        if (Metrics is not null) ReportIo();
    }
}
