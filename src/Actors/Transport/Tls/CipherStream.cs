using System.Buffers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using ActorNet.Protocol;

namespace ActorNet.Transport.Tls;

/// <summary>
/// The encrypted bytes of one connection as the <see cref="Stream"/> that <see cref="System.Net.Security.SslStream"/>
/// reads and writes. Reads and writes go to the transport connection without blocking: what it cannot do now waits for
/// the transport's signal (<see cref="OnSignal"/>), so no thread is held per connection. Every call into the
/// connection is made under one lock: the socket actor's thread and the completions' threads both get here.
/// </summary>
internal sealed class CipherStream(ITransportConnection inner) : AsyncOnlyStream
{
    private readonly object _gate = new();
    private readonly SemaphoreSlim _writeTurn = new(1, 1);
    private volatile bool _resumeOnSignallingThread;
    // The read's wait while one is armed: the stream's own ReadWaiter (reused, nothing allocated per wait), or a
    // TaskCompletionSource when the caller's token can cancel it.
    private object? _readable;
    private readonly ReadWaiter _readWaiter = new();
    private TaskCompletionSource? _sent;
    private int _error; // a SocketError; set once, by the first failure
    // What a zero-byte read found: bytes (in a pooled buffer, held only until handed out) or the peer's FIN.
    private byte[]? _stash;
    private int _stashStart;
    private int _stashEnd;
    private bool _stashedEnd;
    // The last receive emptied the connection: wait for Readable before the next.
    private volatile bool _drained;
    // During the handshake SslStream is handed whole TLS records at most, never a byte past the record it reads, so
    // that once the handshake is done everything after it is still here (see HandOver). Where the current record
    // stands: header bytes handed out so far, its length once known, and the body bytes still to hand out.
    private bool _wholeRecords = true;
    private int _headerHandedOut;
    private int _recordLength;
    private int _recordLeft;
    // After HandOver: where the transport's signals go instead.
    private volatile Action<object>? _forward;

    public ITransportConnection Inner => inner;

    /// <summary>The lock every call into the connection is made under (<see cref="OpenSslChannel"/> takes it too).</summary>
    public object Gate => _gate;

    /// <summary>
    /// From now on a transport signal that comes on an I/O thread (an epoll loop, a socket completion, inside an
    /// <see cref="IoThreadScope"/>) resumes the pending read or write right there instead of on the thread pool:
    /// decrypting there and telling the socket actor from there lets an event-loop socket actor run on that thread too,
    /// as over plain TCP. Only after the handshake, whose certificate checks may take long enough to hold up a loop.
    /// Signals from other threads (the in-memory transport's, told while the peer's locks are held) always resume on
    /// the thread pool.
    /// </summary>
    public void ResumeOnSignallingThread() => _resumeOnSignallingThread = true;

    /// <summary>Calls <paramref name="action"/> on the connection under the stream's lock.</summary>
    public T With<T>(Func<ITransportConnection, T> action)
    {
        lock (_gate) return action(inner);
    }

    /// <summary>
    /// A transport signal for the connection underneath (any thread). Takes no lock: a transport may signal while it
    /// holds a lock of its own that this stream's reader or writer, holding this stream's lock, waits for (the in-memory
    /// pair signals its peer under the pair's lock).
    /// </summary>
    public void OnSignal(object signal)
    {
        if (_forward is { } forward)
        {
            forward(signal);
            return;
        }
        object? readable = null;
        TaskCompletionSource? sent = null;
        switch (signal)
        {
            case TransportSignal.Readable:
                _drained = false;
                readable = Interlocked.Exchange(ref _readable, null);
                break;
            case TransportSignal.Sent:
                sent = Interlocked.Exchange(ref _sent, null);
                break;
            case TransportSignal.Failed failed:
                SetError(failed.Error);
                readable = Interlocked.Exchange(ref _readable, null);
                sent = Interlocked.Exchange(ref _sent, null);
                break;
        }
        Resume(readable);
        Resume(sent);
    }

    private void Resume(object? waiting)
    {
        if (waiting is null) return;
        if (_resumeOnSignallingThread && IoThreadScope.IsActive) Complete(waiting);
        else ThreadPool.UnsafeQueueUserWorkItem(static w => Complete(w), waiting, preferLocal: false);
    }

    private static void Complete(object waiting)
    {
        if (waiting is ReadWaiter read) read.Complete();
        else ((TaskCompletionSource)waiting).TrySetResult();
    }

    private SocketError Error => (SocketError)Volatile.Read(ref _error);

    // The first failure wins.
    private void SetError(SocketError error) => Interlocked.CompareExchange(ref _error, (int)error, (int)SocketError.Success);

    /// <summary>After the handshake, when SslStream goes on reading and writing through this stream: hands it every byte.</summary>
    public void EndWholeRecords()
    {
        lock (_gate) _wholeRecords = false;
    }

    /// <summary>
    /// After the handshake, when the records are read and written without SslStream (<see cref="OpenSslChannel"/>):
    /// from now on the transport's signals go to <paramref name="forward"/>, and the bytes received past the handshake
    /// (SslStream was handed none of them) are written to <paramref name="into"/>. False, and nothing changes, when a
    /// read or write of SslStream's is still pending or the connection already failed.
    /// </summary>
    public bool HandOver(Action<object> forward, Func<ReadOnlySpan<byte>, bool> into, out bool endOfStream)
    {
        lock (_gate)
        {
            endOfStream = _stashedEnd;
            if (_readable is not null || _sent is not null || Error != SocketError.Success || _headerHandedOut != 0) return false;
            if (_stashEnd > _stashStart && !into(_stash.AsSpan(_stashStart, _stashEnd - _stashStart))) return false;
            ReturnStash();
            _forward = forward;
            return true;
        }
    }

    /// <summary>The connection is gone: pending reads and writes fail now instead of waiting forever.</summary>
    public void Fail(SocketError error)
    {
        lock (_gate) ReturnStash();
        OnSignal(new TransportSignal.Failed(error, "close"));
    }

    // A zero-byte read takes up to this much into the stash: a whole small record, so that SslStream's read that
    // follows finds it without a second receive(2).
    private const int StashSize = 4096;

    // Pooled: a read that waits costs no allocation (SslStream awaits each ValueTask once).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            ValueTask wait;
            lock (_gate)
            {
                if (_stashEnd > _stashStart) return buffer.IsEmpty ? 0 : Unstash(buffer.Span);
                if (_stashedEnd) return 0;
                if (Error != SocketError.Success) throw Failure(Error);
                // A zero-byte read asks "is something there?" (SslStream's way to wait without a buffer). A transport
                // may say Readable when nothing is there (epoll after a full read): the bytes are taken to be sure,
                // or SslStream would rent its buffer for a real read that then waits as long as the peer is idle.
                // After a read that drained the connection, the transport's Readable comes first (a receive(2) now
                // would only find nothing).
                if (!_drained)
                {
                    var intoStash = buffer.IsEmpty || _wholeRecords;
                    if (intoStash) _stash = ArrayPool<byte>.Shared.Rent(StashSize);
                    var result = inner.TryReceive(intoStash ? _stash : buffer.Span);
                    _drained = result.Drained || result.Error == SocketError.WouldBlock;
                    if (result.Error == SocketError.Success)
                    {
                        if (!intoStash) return result.Bytes; // 0: the peer's FIN
                        (_stashStart, _stashEnd, _stashedEnd) = (0, result.Bytes, result.Bytes == 0);
                        if (result.Bytes == 0) ReturnStash();
                        return buffer.IsEmpty || result.Bytes == 0 ? 0 : Unstash(buffer.Span);
                    }
                    if (intoStash) ReturnStash();
                    if (result.Error != SocketError.WouldBlock)
                    {
                        SetError(result.Error);
                        throw Failure(result.Error);
                    }
                }
                // A signal that comes on this thread, inside WaitReadable, completes the wait before it is awaited.
                object pending;
                if (cancellationToken.CanBeCanceled)
                {
                    var source = new TaskCompletionSource();
                    wait = new ValueTask(source.Task.WaitAsync(cancellationToken));
                    pending = source;
                }
                else
                {
                    wait = _readWaiter.Arm();
                    pending = _readWaiter;
                }
                Interlocked.Exchange(ref _readable, pending); // a full fence: _drained below is read after it
                // A Readable since the receive above (a wait armed earlier, e.g. by a layer underneath) spent its edge
                // before this task was there to take it: read again instead of waiting for an edge that may not come.
                if (!_drained)
                {
                    if (Interlocked.CompareExchange(ref _readable, null, pending) == pending) continue;
                }
                else inner.WaitReadable();
            }
            await wait.ConfigureAwait(false);
        }
    }

    // Under the lock: stashed bytes first; SslStream reads again for the rest of a record.
    private int Unstash(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _stashEnd - _stashStart);
        if (_wholeRecords) n = Math.Min(n, _headerHandedOut < RecordHeader ? RecordHeader - _headerHandedOut : _recordLeft);
        var handed = _stash.AsSpan(_stashStart, n);
        handed.CopyTo(buffer);
        if (_wholeRecords) Track(handed);
        _stashStart += n;
        if (_stashStart == _stashEnd) ReturnStash();
        return n;
    }

    private const int RecordHeader = 5; // type, version (2), length (2)

    // Under the lock: follows the records through what was handed out (a piece of a header, or of a body, never both).
    private void Track(ReadOnlySpan<byte> handed)
    {
        if (_headerHandedOut < RecordHeader)
        {
            foreach (var b in handed)
            {
                if (_headerHandedOut is 3 or 4) _recordLength = (_recordLength << 8) | b;
                _headerHandedOut++;
            }
            if (_headerHandedOut < RecordHeader) return;
            _recordLeft = _recordLength;
        }
        else _recordLeft -= handed.Length;
        if (_recordLeft == 0) _headerHandedOut = _recordLength = 0;
    }

    private void ReturnStash()
    {
        _stashStart = _stashEnd = 0;
        if (_stash is null) return;
        ArrayPool<byte>.Shared.Return(_stash);
        _stash = null;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // SslStream writes one record at a time, but a close_notify may follow a write: keep them in order.
        await _writeTurn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Task wait;
            lock (_gate)
            {
                if (Error != SocketError.Success) throw Failure(Error);
                var n = inner.TrySend(buffer.Span, out var error);
                if (error == SocketError.WouldBlock) n = 0;
                else if (error != SocketError.Success)
                {
                    SetError(error);
                    throw Failure(error);
                }
                if (n == buffer.Length) return;
                var pending = new TaskCompletionSource();
                Volatile.Write(ref _sent, pending);
                wait = pending.Task;
                inner.SendAsync(buffer[n..]);
            }
            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (_gate)
                if (Error != SocketError.Success) throw Failure(Error);
        }
        finally
        {
            _writeTurn.Release();
        }
    }

    /// <summary>
    /// The one read wait a stream has armed at a time, reused from wait to wait. Completed once per arming, by whoever
    /// takes it out of <c>_readable</c>; its continuation runs on the completing thread (<see cref="Resume"/> picks it).
    /// </summary>
    private sealed class ReadWaiter : IValueTaskSource
    {
        private ManualResetValueTaskSourceCore<bool> _core;

        public ValueTask Arm()
        {
            _core.Reset();
            return new ValueTask(this, _core.Version);
        }

        public void Complete() => _core.SetResult(true);

        public void GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }

    /// <summary>The transport's error as the exception SslStream passes on; <see cref="TlsConnection"/> maps it back.</summary>
    private static IOException Failure(SocketError error) => new(error.ToString(), new SocketException((int)error));
}
