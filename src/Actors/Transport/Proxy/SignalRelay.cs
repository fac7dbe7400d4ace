using Akka.Actor;
using ActorNet.Protocol;

namespace ActorNet.Transport.Proxy;

/// <summary>
/// Takes a connection's transport signals for as long as it lives: first for the header reader, then for the socket
/// actor that owns the connection. A transport is attached once, so the header's reader and the socket actor share
/// this one attachment. A readiness wait still armed when the header phase ends (the header timeout passed in
/// optional mode) is carried over: its signal goes to the owner once the owner waits, and no second wait is armed.
/// </summary>
internal sealed class SignalRelay
{
    private readonly object _gate = new();
    private readonly ITransportConnection _inner;
    private TaskCompletionSource<TransportSignal.Failed?>? _reader;
    private IActorRef? _owner;
    private bool _armed;
    private bool _ownerWaiting;
    private object? _unclaimed;

    public SignalRelay(ITransportConnection inner, IActorRefProvider provider)
    {
        _inner = inner;
        inner.Attach(new SignalSink(provider, OnSignal));
    }

    /// <summary>Header phase: completes when the connection may be read (null) or failed.</summary>
    public Task<TransportSignal.Failed?> WaitReadableAsync()
    {
        lock (_gate)
        {
            if (_unclaimed is not null)
            {
                var signal = _unclaimed as TransportSignal.Failed;
                _unclaimed = null;
                return Task.FromResult(signal);
            }
            // Continuations run on the pool: the signal may come on this thread, inside WaitReadable.
            var pending = new TaskCompletionSource<TransportSignal.Failed?>(TaskCreationOptions.RunContinuationsAsynchronously);
            _reader = pending;
            Arm();
            return pending.Task;
        }
    }

    /// <summary>Connection phase: from now on signals go to <paramref name="owner"/>.</summary>
    public void Attach(IActorRef owner)
    {
        lock (_gate)
        {
            _owner = owner;
            _reader = null;
        }
    }

    /// <summary>Connection phase: the owner's <see cref="ITransportConnection.WaitReadable"/>.</summary>
    public void WaitReadable()
    {
        object? now;
        lock (_gate)
        {
            (now, _unclaimed) = (_unclaimed, null);
            if (now is null)
            {
                _ownerWaiting = true;
                Arm();
                return;
            }
        }
        _owner!.Tell(now, ActorRefs.NoSender);
    }

    /// <summary>Tells the owner it may read (bytes the header phase read are waiting).</summary>
    public void TellReadable() => _owner!.Tell(TransportSignal.Readable.Instance, ActorRefs.NoSender);

    // Under the lock.
    private void Arm()
    {
        if (_armed) return;
        _armed = true;
        _inner.WaitReadable();
    }

    private void OnSignal(object signal)
    {
        TaskCompletionSource<TransportSignal.Failed?>? reader = null;
        IActorRef? owner;
        lock (_gate)
        {
            owner = _owner;
            var answersWait = signal is TransportSignal.Readable or TransportSignal.Failed { Syscall: "read" };
            if (answersWait)
            {
                _armed = false;
                if (owner is null)
                {
                    (reader, _reader) = (_reader, null);
                    if (reader is null) _unclaimed = signal;
                }
                else if (_ownerWaiting) _ownerWaiting = false;
                else
                {
                    _unclaimed = signal;
                    owner = null;
                }
            }
        }
        // Told outside the lock: in event-loop mode the owner may run right here, on this thread.
        reader?.TrySetResult(signal as TransportSignal.Failed);
        owner?.Tell(signal, ActorRefs.NoSender);
    }
}
