using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using ActorNet.Diagnostics;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Transport;

namespace ActorNet.Connection;

/// <summary>
/// One connection: Node's socket state machine (SEMANTICS.md, "Socket") over a transport, with the
/// handler called inside. States are the behaviours <see cref="Open"/>, <see cref="ReadEnded"/>,
/// <see cref="WriteEnded"/> and <see cref="Closed"/>; every transition is in this file.
/// </summary>
internal sealed class SocketActor : UntypedActor, ISocket, IWithTimers
{
    // One read takes up to 256 KiB (a per-thread buffer): streaming 64 KiB writes, 256 KiB reads cost the server
    // 25-30 % less CPU per MB than 64 KiB reads (bench d). MaxReadsPerTurn reads (1 MiB) are done in one message
    // before yielding to the mailbox and to the other connections on this thread.
    internal const int ReadBufferSize = 256 * 1024;
    private const int MaxReadsPerTurn = 4;
    private const string IdleTimerKey = "idle";
    private const string CloseTimerKey = "close";
    private const string ResetProbeKey = "reset-probe";

    // While nothing is read, a peer's reset is noticed by asking the transport this often
    // (CONTRACT.md: a reset connection's slot is free again within 2 s).
    private static readonly TimeSpan ResetProbeInterval = TimeSpan.FromMilliseconds(500);

    [ThreadStatic] private static byte[]? _readBuffer;

    private readonly ITransportConnector? _connector;
    private ITransportConnection _connection = PendingConnection.Instance;
    private bool _connecting;
    private KeepAliveOptions? _pendingKeepAlive;
    private bool? _pendingNoDelay;
    private readonly Func<IConnectionHandler> _handlerFactory;
    private IConnectionHandler _handler = null!;
    private readonly ConnectionSettings _settings;
    private ILoggingAdapter? _logger;
    private readonly WriteQueue _queue = new();
    private Queue<(long Offset, object Ack, IActorRef? ReplyTo)>? _acks;

    private long _bytesRead;
    private long _bytesWritten;
    private bool _paused;
    private bool _readArmed;
    private bool _inReadLoop;
    private bool _readEnded;
    private bool _endRequested;
    private bool _autoEnded;
    private bool _writeEnded;
    private bool _destroyed;
    private bool _needDrain;
    private bool _resetProbeRunning;
    private TimeSpan _idleTimeout;
    private bool _idleTimerRunning;
    private long _lastActivityMs;
    private string _state = "open";
    private IActorRef _self = ActorRefs.Nobody;

    private static long _lastConnectionId;

    /// <summary>A server-side socket: the connection is already established.</summary>
    public SocketActor(ITransportConnection connection, Func<IConnectionHandler> handlerFactory, ConnectionSettings settings, long connectionId)
    {
        _connection = connection;
        _handlerFactory = handlerFactory;
        _settings = settings;
        ConnectionId = connectionId;
    }

    /// <summary>A client socket: starts in Connecting and connects with <paramref name="connector"/>.</summary>
    public SocketActor(ITransportConnector connector, Func<IConnectionHandler> handlerFactory, ConnectionSettings settings, long connectionId)
    {
        _connector = connector;
        _connecting = true;
        _handlerFactory = handlerFactory;
        _settings = settings;
        ConnectionId = connectionId;
    }

    // One Props per connection: a producer calls the constructor directly instead of Props.Create's
    // expression-tree walk and reflection, which is measurable in connection churn (bench scenario e).
    // The handler is made inside the actor (PreStart): a factory that throws fails this connection only,
    // which its supervisor stops and PostStop resets.
    public static Props Props(ITransportConnection connection, Func<IConnectionHandler> handlerFactory, ConnectionSettings settings, long id) =>
        Akka.Actor.Props.CreateBy(new ServerSocketProducer(connection, handlerFactory, settings, id));

    public static Props Props(ITransportConnection connection, IConnectionHandler handler, ConnectionSettings settings, long id) =>
        Props(connection, () => handler, settings, id);

    public static Props ClientProps(ITransportConnector connector, IConnectionHandler handler, ConnectionSettings settings, long id) =>
        Akka.Actor.Props.CreateBy(new Producer(() => new SocketActor(connector, () => handler, settings, id)));

    // Holds the arguments itself (no closure and delegate per connection: they live as long as the actor).
    private sealed class ServerSocketProducer(ITransportConnection connection, Func<IConnectionHandler> handlerFactory,
        ConnectionSettings settings, long id) : IIndirectActorProducer
    {
        public Type ActorType => typeof(SocketActor);

        public ActorBase Produce() => new SocketActor(connection, handlerFactory, settings, id);

        public void Release(ActorBase actor) { }
    }

    private sealed class Producer(Func<SocketActor> create) : IIndirectActorProducer
    {
        public Type ActorType => typeof(SocketActor);

        public ActorBase Produce() => create();

        public void Release(ActorBase actor) { }
    }

    /// <summary>A connection id unique in this process.</summary>
    public static long NextConnectionId() => Interlocked.Increment(ref _lastConnectionId);

    public ITimerScheduler Timers { get; set; } = null!;

    // Made on first use (on this actor's thread): most connections never log, and a logger per actor is ~60 bytes.
    private ILoggingAdapter Logger => _logger ??= Context.GetLogger();

    /// <summary>The transport, for tests that inspect the live socket.</summary>
    internal ITransportConnection Transport => _connection;

    // Cached: ActorBase.Self is only valid on the actor's own thread, and handlers may hand this out.
    IActorRef ISocket.Self => _self;

    public long ConnectionId { get; }

    public EndPoint? LocalEndPoint => _connection.LocalEndPoint;

    public EndPoint? RemoteEndPoint => _connection.RemoteEndPoint;

    public long BytesRead => _bytesRead;

    public long BytesWritten => _bytesWritten;

    public long QueuedBytes => _queue.Length;

    public bool Readable => !_readEnded && !_destroyed;

    public bool Writable => !_endRequested && !_destroyed;

    public bool Destroyed => _destroyed;

    public bool IsConnecting => _connecting;

    // ---- lifecycle -------------------------------------------------------------------------

    protected override void PreStart()
    {
        // Akka drops an actor whose PreStart threw without calling PostStop: a throwing handler factory (or
        // OnConnect) would leave the connection open until the GC finalized the socket.
        var started = false;
        try
        {
            Start();
            started = true;
        }
        finally
        {
            if (!started) AbortAfterFailure();
        }
    }

    private void Start()
    {
        _self = Self;
        _handler = _handlerFactory();
        _paused = _settings.PauseOnConnect;
        // Node: the timeout option is setTimeout right after creation, so it covers connecting too.
        SetTimeout(_settings.IdleTimeout);
        if (_connector is null)
        {
            OnConnected(_connection);
            return;
        }
        Enter(Connecting, "connecting");
        _connector.Connect(Self);
    }

    // A failing handler must not get a fresh socket actor (the default for top-level actors): stop instead.
    protected override void PostRestart(Exception reason) => Context.Stop(Self);

    private void OnConnected(ITransportConnection connection)
    {
        _connecting = false;
        _connection = connection;
        _connection.Attach(Self);
        ApplyKeepAlive(_pendingKeepAlive ?? (_settings.KeepAlive.Enabled ? _settings.KeepAlive : null));
        if (_pendingNoDelay ?? _settings.NoDelay) SetNoDelay(true);
        Enter(Open, "open");
        // Guarded: the arguments would be boxed into an array per connection even with debug off.
        if (Logger.IsDebugEnabled)
            Logger.Debug("Connection {ConnectionId} open from {RemoteEndPoint} to {LocalEndPoint}", ConnectionId, RemoteEndPoint, LocalEndPoint);
        _handler.OnConnect(this);
        if (_destroyed) return;
        // Writes and End made while connecting go out now, in order (Node's connect queue).
        if (!_queue.IsSending)
        {
            if (_queue.Length > 0) SendQueued();
            else if (_endRequested) SendFin();
        }
        if (_destroyed) return;
        if (_paused) StartResetProbe();
        else ArmRead();
    }

    // Reached without Destroy only when the handler threw: reset, and the supervisor logs the cause.
    protected override void PostStop() => AbortAfterFailure();

    private void AbortAfterFailure()
    {
        // Akka cancels timers only in PostStop, which it skips after a failed start.
        Timers.CancelAll();
        if (_destroyed) return;
        _destroyed = true;
        if (_connecting) _connector?.Cancel();
        else _connection.Abort();
        _queue.Clear();
        Logger.Debug("Connection {ConnectionId} aborted after a failure", ConnectionId);
    }

    protected override void OnReceive(object message) => Open(message);

    // ---- behaviours ------------------------------------------------------------------------

    /// <summary>A client socket before the connection is up: writes and End are queued.</summary>
    private void Connecting(object message)
    {
        switch (message)
        {
            case SocketInput.Connected connected:
                OnConnected(connected.Connection);
                break;
            case SocketInput.ConnectFailed failed:
                DestroyCore(failed.Error, abort: false, "connect failed");
                break;
            default:
                if (!Common(message)) Unhandled(message);
                break;
        }
    }

    /// <summary>Reading and writing.</summary>
    private void Open(object message)
    {
        if (!Common(message)) Unhandled(message);
    }

    /// <summary>The peer sent FIN; we may still write (allow-half-open) until End.</summary>
    private void ReadEnded(object message)
    {
        if (message is SocketInput.Received) _readArmed = false;
        else if (!Common(message)) Unhandled(message);
    }

    /// <summary>Our FIN is sent; reading goes on until the peer's FIN or the close timeout.</summary>
    private void WriteEnded(object message)
    {
        if (message is SocketInput.CloseTimeout) DestroyCore(null, abort: false, "close timeout");
        else if (!Common(message)) Unhandled(message);
    }

    /// <summary>Destroyed: inputs are dropped, commands get an error reply until the actor stops.</summary>
    private void Closed(object message)
    {
        switch (message)
        {
            case SocketProtocol.Write { Ack: not null }:
                Sender.Tell(new SocketProtocol.ErrorOccurred(Self, NetError.SocketClosed));
                break;
            case SocketProtocol.GetInfo:
                Sender.Tell(Info());
                break;
            case SocketInput.Connected late:
                // Destroyed while connecting, and the connect won the race: nobody owns this connection.
                late.Connection.Abort();
                break;
        }
    }

    /// <summary>Messages every live state handles the same way; false when not one of them.</summary>
    private bool Common(object message)
    {
        switch (message)
        {
            case SocketInput.Received:
                _readArmed = false;
                if (!_paused && !_readEnded) ReadLoop();
                return true;
            case SocketInput.SendCompleted sent:
                OnSendCompleted(sent.Bytes);
                return true;
            case SocketInput.TransportFailed failed:
                OnTransportFailed(failed);
                return true;
            case SocketInput.Timeout:
                OnIdleTimer();
                return true;
            case SocketInput.Shutdown shutdown:
                if (shutdown.Reason == ShutdownReason.Abort) DestroyCore(null, abort: true, "aborted by server close");
                else End();
                return true;
            case SocketInput.CloseTimeout:
                return true;
            case ProbeReset:
                OnProbeReset();
                return true;
            case SocketProtocol.Write write:
                WriteCore(write.Data.Span, write.Ack, Sender);
                return true;
            case SocketProtocol.End:
                End();
                return true;
            case SocketProtocol.Destroy:
                Destroy();
                return true;
            case SocketProtocol.Pause:
                Pause();
                return true;
            case SocketProtocol.Resume:
                Resume();
                return true;
            case SocketProtocol.SetTimeout t:
                SetTimeout(t.Timeout);
                return true;
            case SocketProtocol.SetKeepAlive k:
                SetKeepAlive(k.KeepAlive);
                return true;
            case SocketProtocol.SetNoDelay n:
                SetNoDelay(n.NoDelay);
                return true;
            case SocketProtocol.GetInfo:
                Sender.Tell(Info());
                return true;
            default:
                return false;
        }
    }

    private void Enter(UntypedReceive behaviour, string name)
    {
        _state = name;
        Become(behaviour);
    }

    // ---- reading ---------------------------------------------------------------------------

    private void ArmRead()
    {
        // Never a synchronous read while a wait is outstanding: the transport keeps one operation at a time.
        if (_readArmed || _inReadLoop || _readEnded || _destroyed || _connecting) return;
        _readArmed = true;
        _connection.WaitReadable();
    }

    private void ReadLoop()
    {
        var buffer = _readBuffer ??= new byte[ReadBufferSize];
        _inReadLoop = true;
        var reads = 0;
        try
        {
            while (!_paused && !_readEnded && !_destroyed)
            {
                if (reads++ == MaxReadsPerTurn)
                {
                    // Fairness: let the mailbox (and other connections on this thread) run first.
                    _readArmed = true;
                    Self.Tell(SocketInput.Received.Instance);
                    return;
                }
                var n = _connection.TryReceive(buffer, out var error);
                if (error == SocketError.WouldBlock) break;
                if (error != SocketError.Success)
                {
                    DestroyCore(NetError.FromSocketError(error, "read", RemoteEndPoint), abort: false, "read error");
                    return;
                }
                if (n == 0)
                {
                    OnPeerClosed();
                    return;
                }
                _bytesRead += n;
                Touch();
                _handler.OnData(this, new ReadOnlySpan<byte>(buffer, 0, n));
                // A short read almost always emptied the socket: wait for more instead of a read that would get
                // EAGAIN (one syscall less per message; the wait sees data or FIN that came meanwhile at once).
                if (n < buffer.Length) break;
            }
        }
        finally
        {
            _inReadLoop = false;
        }
        if (!_paused) ArmRead();
    }

    private void OnPeerClosed()
    {
        _readEnded = true;
        Enter(ReadEnded, "read-ended");
        StartResetProbe();
        _handler.OnEnd(this);
        if (_destroyed) return;
        if (_writeEnded)
        {
            DestroyCore(null, abort: false, "both sides ended");
            return;
        }
        if (!_settings.AllowHalfOpen && !_endRequested)
        {
            // Node's onReadableStreamEnd: end our side once the 'end' listeners ran; later writes get EPIPE.
            _autoEnded = true;
            End();
        }
    }

    // ---- writing ---------------------------------------------------------------------------

    public bool Write(ReadOnlySpan<byte> data) => WriteCore(data, null, ActorRefs.NoSender);

    private bool WriteCore(ReadOnlySpan<byte> data, object? ack, IActorRef? replyTo)
    {
        if (_destroyed)
        {
            if (ack is not null) replyTo?.Tell(new SocketProtocol.ErrorOccurred(Self, NetError.SocketClosed));
            return false;
        }
        if (_endRequested)
        {
            var afterEnd = _autoEnded ? NetError.EndedByPeer : NetError.WriteAfterEnd;
            if (ack is not null) replyTo?.Tell(new SocketProtocol.ErrorOccurred(_self, afterEnd));
            DestroyCore(afterEnd, abort: false, "write after end");
            return false;
        }
        Touch();
        if (!_connecting && !_queue.IsSending && _queue.Length == 0 && !data.IsEmpty)
        {
            var n = _connection.TrySend(data, out var error);
            if (error == SocketError.WouldBlock) n = 0;
            else if (error != SocketError.Success)
            {
                DestroyCore(NetError.FromSocketError(error, "write", RemoteEndPoint), abort: false, "write error");
                return false;
            }
            _bytesWritten += n;
            data = data[n..];
        }
        if (data.IsEmpty && !_queue.IsSending && _queue.Length == 0)
        {
            if (ack is not null) replyTo?.Tell(ack, Self);
            return true;
        }
        if (_queue.Length + data.Length > _settings.MaxWriteQueue)
        {
            DestroyCore(NetError.WriteQueueFull(_settings.MaxWriteQueue), abort: true, "write queue full");
            return false;
        }
        _queue.Append(data);
        if (ack is not null)
            (_acks ??= new Queue<(long, object, IActorRef?)>()).Enqueue((_bytesWritten + _queue.Length, ack, replyTo));
        if (!_queue.IsSending && !_connecting) SendQueued();
        if (_queue.Length < _settings.WriteHighWaterMark) return true;
        _needDrain = true;
        return false;
    }

    private void SendQueued()
    {
        var next = _queue.NextToSend();
        if (!next.IsEmpty) _connection.SendAsync(next);
    }

    private void OnSendCompleted(int bytes)
    {
        _bytesWritten += bytes;
        _queue.Sent(bytes);
        Touch();
        while (_acks is { Count: > 0 } && _acks.Peek().Offset <= _bytesWritten)
        {
            var (_, ack, replyTo) = _acks.Dequeue();
            replyTo?.Tell(ack, Self);
        }
        if (_queue.Length > 0)
        {
            SendQueued();
            return;
        }
        if (_endRequested && !_writeEnded)
        {
            SendFin();
            if (_destroyed) return;
        }
        if (_needDrain)
        {
            _needDrain = false;
            _handler.OnDrain(this);
        }
    }

    public void End()
    {
        if (_destroyed || _endRequested) return;
        _endRequested = true;
        if (!_connecting && !_queue.IsSending && _queue.Length == 0) SendFin();
    }

    private void SendFin()
    {
        var error = _connection.ShutdownSend();
        _writeEnded = true;
        if (error is not (SocketError.Success or SocketError.NotConnected))
        {
            DestroyCore(NetError.FromSocketError(error, "shutdown", RemoteEndPoint), abort: false, "shutdown error");
            return;
        }
        if (_readEnded || error == SocketError.NotConnected)
        {
            DestroyCore(null, abort: false, "both sides ended");
            return;
        }
        Enter(WriteEnded, "write-ended");
        if (_settings.CloseTimeout > TimeSpan.Zero)
            Timers.StartSingleTimer(CloseTimerKey, SocketInput.CloseTimeout.Instance, _settings.CloseTimeout);
    }

    // ---- control ---------------------------------------------------------------------------

    public void Destroy() => DestroyCore(null, abort: false, "destroyed");

    public void Destroy(NetError error) => DestroyCore(error, abort: false, "destroyed: " + error.Code);

    private void DestroyCore(NetError? error, bool abort, string reason)
    {
        if (_destroyed) return;
        _destroyed = true;
        Timers.CancelAll();
        if (_connecting) _connector?.Cancel();
        else if (abort) _connection.Abort();
        else _connection.Close();
        _queue.Clear();
        FailPendingAcks(error ?? NetError.SocketClosed);
        ActorNetMetrics.BytesRead.Add(_bytesRead);
        ActorNetMetrics.BytesWritten.Add(_bytesWritten);
        Enter(Closed, "closed");
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

    // Node calls pending write callbacks with an error on destroy; an ack never arrives silently late.
    private void FailPendingAcks(NetError error)
    {
        while (_acks is { Count: > 0 })
        {
            var (_, _, replyTo) = _acks.Dequeue();
            replyTo?.Tell(new SocketProtocol.ErrorOccurred(_self, error));
        }
    }

    private void OnTransportFailed(SocketInput.TransportFailed failed)
    {
        if (failed.Error == SocketError.OperationAborted) return;
        DestroyCore(NetError.FromSocketError(failed.Error, failed.Syscall, RemoteEndPoint), abort: false, failed.Syscall + " error");
    }

    public void Pause()
    {
        _paused = true;
        StartResetProbe();
    }

    private void StartResetProbe()
    {
        if (_resetProbeRunning || _destroyed) return;
        _resetProbeRunning = true;
        Timers.StartPeriodicTimer(ResetProbeKey, ProbeReset.Instance, ResetProbeInterval);
    }

    private void OnProbeReset()
    {
        if (!_paused && !_readEnded)
        {
            _resetProbeRunning = false;
            Timers.Cancel(ResetProbeKey);
            return;
        }
        var error = _connection.ProbeReset();
        if (error == SocketError.Success) return;
        // After our FIN, the kernel reports the peer's FIN as the same closed state as a reset: not an error.
        if (_writeEnded) DestroyCore(null, abort: false, "closed by the peer while not reading");
        else DestroyCore(NetError.FromSocketError(error, "read", RemoteEndPoint), abort: false, "reset while not reading");
    }

    private sealed record ProbeReset
    {
        public static ProbeReset Instance { get; } = new();
    }

    public void Resume()
    {
        if (!_paused) return;
        _paused = false;
        ArmRead();
    }

    public void SetTimeout(TimeSpan timeout)
    {
        _idleTimeout = timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout;
        if (_idleTimeout == TimeSpan.Zero)
        {
            if (_idleTimerRunning) Timers.Cancel(IdleTimerKey);
            _idleTimerRunning = false;
            return;
        }
        _lastActivityMs = Environment.TickCount64;
        _idleTimerRunning = true;
        Timers.StartSingleTimer(IdleTimerKey, SocketInput.Timeout.Instance, _idleTimeout);
    }

    public void SetKeepAlive(KeepAliveOptions keepAlive)
    {
        if (_connecting) _pendingKeepAlive = keepAlive;
        else ApplyKeepAlive(keepAlive);
    }

    public void SetNoDelay(bool noDelay)
    {
        if (_connecting)
        {
            _pendingNoDelay = noDelay;
            return;
        }
        if (_connection.SetNoDelay(noDelay) is { } error)
            Logger.Warning("Connection {ConnectionId}: no-delay not applied: {Error}", ConnectionId, error);
    }

    private void ApplyKeepAlive(KeepAliveOptions? keepAlive)
    {
        if (keepAlive is not null && _connection.SetKeepAlive(keepAlive) is { } error)
            Logger.Warning("Connection {ConnectionId}: keep-alive not applied: {Error}", ConnectionId, error);
    }

    // Cheap timers (STYLE.md 12): activity stores a time; the armed timer checks it when it fires.
    private void Touch()
    {
        if (_idleTimeout == TimeSpan.Zero) return;
        _lastActivityMs = Environment.TickCount64;
        if (_idleTimerRunning) return;
        _idleTimerRunning = true;
        Timers.StartSingleTimer(IdleTimerKey, SocketInput.Timeout.Instance, _idleTimeout);
    }

    private void OnIdleTimer()
    {
        if (!_idleTimerRunning || _idleTimeout == TimeSpan.Zero) return;
        var idleFor = TimeSpan.FromMilliseconds(Environment.TickCount64 - _lastActivityMs);
        if (idleFor < _idleTimeout)
        {
            Timers.StartSingleTimer(IdleTimerKey, SocketInput.Timeout.Instance, _idleTimeout - idleFor);
            return;
        }
        // Fires once; the next read or write arms it again (Node's socket._unrefTimer).
        _idleTimerRunning = false;
        _handler.OnTimeout(this);
    }

    private SocketProtocol.SocketInfo Info() =>
        new(ConnectionId, LocalEndPoint, RemoteEndPoint, _bytesRead, _bytesWritten, _queue.Length, _state);
}
