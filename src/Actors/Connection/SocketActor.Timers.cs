using System.Net.Sockets;
using ActorNet.Diagnostics;
using ActorNet.Protocol;

namespace ActorNet.Connection;

/// <summary>
/// The socket's three timers, all inputs of the state machine: the idle <see cref="Timeout"/> (Node's setTimeout),
/// <see cref="PeerFinOverdue"/> (close-timeout after our FIN) and the reset probe while nothing is read (it also
/// closes a paused socket whose peer sent FIN).
/// </summary>
internal sealed partial class SocketActor
{
    private const string IdleTimerKey = "idle";
    private const string PeerFinTimerKey = "peer-fin";
    private const string ResetProbeKey = "reset-probe";

    // While nothing is read, a peer's reset is noticed by asking the transport this often (docs/contract.md: a reset
    // connection's slot is free again within 2 s).
    private static readonly TimeSpan ResetProbeInterval = TimeSpan.FromMilliseconds(500);

    private TimeSpan _idleTimeout;
    private bool _idleTimerRunning;
    private long _lastActivityMs;
    private bool _resetProbeRunning;

    /// <summary>Input: the idle timer fired; the socket checks the stored deadline.</summary>
    internal sealed record Timeout
    {
        public static Timeout Instance { get; } = new();
    }

    /// <summary>Input: close-timeout passed after our FIN without the peer's FIN.</summary>
    internal sealed record PeerFinOverdue
    {
        public static PeerFinOverdue Instance { get; } = new();
    }

    /// <summary>Input: time to ask the transport whether a connection that is not being read was reset.</summary>
    internal sealed record ResetProbeTick
    {
        public static ResetProbeTick Instance { get; } = new();
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
        Timers.StartSingleTimer(IdleTimerKey, Timeout.Instance, _idleTimeout);
    }

    // Cheap timers: activity stores a time; the armed timer checks it when it fires (no rescheduling per message).
    private void Touch()
    {
        if (_idleTimeout == TimeSpan.Zero) return;
        _lastActivityMs = Environment.TickCount64;
        if (_idleTimerRunning) return;
        _idleTimerRunning = true;
        Timers.StartSingleTimer(IdleTimerKey, Timeout.Instance, _idleTimeout);
    }

    /// <summary>Timeout: past the deadline the handler hears Timeout once; the socket stays open.</summary>
    private void OnIdleTimer()
    {
        if (!_idleTimerRunning || _idleTimeout == TimeSpan.Zero) return;
        var idleFor = TimeSpan.FromMilliseconds(Environment.TickCount64 - _lastActivityMs);
        if (idleFor < _idleTimeout)
        {
            Timers.StartSingleTimer(IdleTimerKey, Timeout.Instance, _idleTimeout - idleFor);
            return;
        }
        // Fires once; the next read or write arms it again (Node's socket._unrefTimer).
        _idleTimerRunning = false;
        // An End or Destroy inside the callback is the timeout's doing (actornet.close.reason = timeout).
        _inTimeoutCallback = true;
        try
        {
            Notify(static (h, s) => h.OnTimeout(s));
        }
        finally
        {
            _inTimeoutCallback = false;
        }
    }

    private void StartPeerFinTimer()
    {
        if (_settings.CloseTimeout > TimeSpan.Zero)
            Timers.StartSingleTimer(PeerFinTimerKey, PeerFinOverdue.Instance, _settings.CloseTimeout);
    }

    private void StartResetProbe()
    {
        if (_resetProbeRunning || _life == Lifecycle.Closed) return;
        _resetProbeRunning = true;
        Timers.StartPeriodicTimer(ResetProbeKey, ResetProbeTick.Instance, ResetProbeInterval);
    }

    private void OnResetProbeTick()
    {
        if (_read == ReadSide.Flowing)
        {
            _resetProbeRunning = false;
            Timers.Cancel(ResetProbeKey);
            return;
        }
        if (_life == Lifecycle.Connecting) return;
        var error = _connection.ProbeReset();
        if (error == SocketError.Success) return;
        if (error == SocketError.Disconnecting)
        {
            // The peer's FIN while paused, with our side open and nothing queued: nothing would ever read it, so the
            // connection would hold its max-connections slot (and the drain) until the process ends. Close it; unread
            // bytes are dropped. After the peer's FIN with reading ended, or with writes still flushing, it is expected.
            if (_read == ReadSide.Paused && _write == WriteSide.Open && _queue.Length == 0 && !_queue.IsSending)
            {
                _closeCause ??= CloseReason.PeerEnd;
                Close(null, abort: false, "closed by the peer while paused");
            }
            return;
        }
        // After our FIN, the kernel reports the peer's FIN as the same closed state as a reset: not an error.
        if (_write == WriteSide.Ended) Close(null, abort: false, "closed by the peer while not reading");
        else Close(NetError.FromSocketError(error, "read", RemoteEndPoint), abort: false, "reset while not reading");
    }
}
