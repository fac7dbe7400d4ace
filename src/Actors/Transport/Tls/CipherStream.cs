using System.Net.Sockets;
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
    private TaskCompletionSource? _readable;
    private TaskCompletionSource? _sent;
    private SocketError _error;
    private readonly byte[] _stashBuffer = new byte[1];
    private bool _stashed;
    private bool _stashedEnd;
    private byte _stash;

    public ITransportConnection Inner => inner;

    /// <summary>Calls <paramref name="action"/> on the connection under the stream's lock.</summary>
    public T With<T>(Func<ITransportConnection, T> action)
    {
        lock (_gate) return action(inner);
    }

    /// <summary>A transport signal for the connection underneath (any thread).</summary>
    public void OnSignal(object signal)
    {
        TaskCompletionSource? readable = null, sent = null;
        lock (_gate)
        {
            switch (signal)
            {
                case TransportSignal.Readable:
                    (readable, _readable) = (_readable, null);
                    break;
                case TransportSignal.Sent:
                    (sent, _sent) = (_sent, null);
                    break;
                case TransportSignal.Failed failed:
                    if (_error == SocketError.Success) _error = failed.Error;
                    (readable, _readable, sent, _sent) = (_readable, null, _sent, null);
                    break;
            }
        }
        readable?.TrySetResult();
        sent?.TrySetResult();
    }

    /// <summary>The connection is gone: pending reads and writes fail now instead of waiting forever.</summary>
    public void Fail(SocketError error)
    {
        OnSignal(new TransportSignal.Failed(error, "close"));
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_stashed)
                {
                    // The byte (or FIN) a zero-byte read found: handed out first.
                    if (buffer.IsEmpty) return 0;
                    _stashed = false;
                    if (_stashedEnd) return 0;
                    buffer.Span[0] = _stash;
                    return 1 + Receive(buffer[1..]);
                }
                if (_error != SocketError.Success) throw Failure(_error);
                // A zero-byte read asks "is something there?" (SslStream's way to wait without a buffer). A transport
                // may say Readable when nothing is there (epoll after a full read): one byte is taken to be sure, or
                // SslStream would rent its 32 KiB buffer for a real read that then waits as long as the peer is idle.
                var result = inner.TryReceive(buffer.IsEmpty ? _stashBuffer : buffer.Span);
                if (result.Error == SocketError.Success)
                {
                    if (!buffer.IsEmpty) return result.Bytes; // 0: the peer's FIN
                    (_stashed, _stashedEnd, _stash) = (true, result.Bytes == 0, _stashBuffer[0]);
                    return 0;
                }
                if (result.Error != SocketError.WouldBlock)
                {
                    _error = result.Error;
                    throw Failure(result.Error);
                }
                // Continuations run on the pool: the signal may come on this thread, inside WaitReadable.
                var pending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _readable = pending;
                wait = pending.Task;
                inner.WaitReadable();
            }
            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    // Under the lock, after the stashed byte: what the connection has now for the rest of the buffer, without waiting.
    private int Receive(Memory<byte> rest)
    {
        if (rest.IsEmpty) return 0;
        var result = inner.TryReceive(rest.Span);
        if (result.Error == SocketError.Success) return result.Bytes;
        if (result.Error != SocketError.WouldBlock) _error = result.Error; // reported by the next read
        return 0;
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
                if (_error != SocketError.Success) throw Failure(_error);
                var n = inner.TrySend(buffer.Span, out var error);
                if (error == SocketError.WouldBlock) n = 0;
                else if (error != SocketError.Success)
                {
                    _error = error;
                    throw Failure(error);
                }
                if (n == buffer.Length) return;
                var pending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _sent = pending;
                wait = pending.Task;
                inner.SendAsync(buffer[n..]);
            }
            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (_gate)
                if (_error != SocketError.Success) throw Failure(_error);
        }
        finally
        {
            _writeTurn.Release();
        }
    }

    /// <summary>The transport's error as the exception SslStream passes on; <see cref="TlsConnection"/> maps it back.</summary>
    private static IOException Failure(SocketError error) => new(error.ToString(), new SocketException((int)error));
}
