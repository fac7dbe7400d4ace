using System.Buffers;

namespace ActorNet.Connection;

/// <summary>
/// What the kernel did not take yet: one buffer being sent asynchronously and one that coalesces
/// every later write (Node's writev), both rented from the pool and returned when flushed.
/// </summary>
internal sealed class WriteQueue
{
    private byte[]? _sending;
    private int _sendingEnd;
    private int _sendingStart;
    private byte[]? _pending;
    private int _pendingLength;

    /// <summary>Bytes queued, in flight or waiting.</summary>
    public long Length => (_sendingEnd - _sendingStart) + _pendingLength;

    public bool IsSending => _sending is not null;

    public void Append(ReadOnlySpan<byte> data)
    {
        var needed = _pendingLength + data.Length;
        if (_pending is null || _pending.Length < needed)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Min(2 * (_pending?.Length ?? 0), int.MaxValue / 2)));
            if (_pending is not null)
            {
                _pending.AsSpan(0, _pendingLength).CopyTo(grown);
                ArrayPool<byte>.Shared.Return(_pending);
            }
            _pending = grown;
        }
        data.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength = needed;
    }

    /// <summary>The bytes to hand to the next asynchronous send, or empty when nothing waits.</summary>
    public ReadOnlyMemory<byte> NextToSend()
    {
        if (_sending is not null) return _sending.AsMemory(_sendingStart, _sendingEnd - _sendingStart);
        if (_pendingLength == 0) return ReadOnlyMemory<byte>.Empty;
        _sending = _pending;
        _sendingStart = 0;
        _sendingEnd = _pendingLength;
        _pending = null;
        _pendingLength = 0;
        return _sending.AsMemory(0, _sendingEnd);
    }

    /// <summary>The in-flight send finished with <paramref name="bytes"/> taken by the kernel.</summary>
    public void Sent(int bytes)
    {
        if (_sending is null) return;
        _sendingStart += bytes;
        if (_sendingStart < _sendingEnd) return;
        ArrayPool<byte>.Shared.Return(_sending);
        _sending = null;
        _sendingStart = _sendingEnd = 0;
    }

    /// <summary>Drops everything (destroy). An in-flight buffer is not returned to the pool: the kernel may still read it.</summary>
    public void Clear()
    {
        if (_pending is not null) ArrayPool<byte>.Shared.Return(_pending);
        _pending = null;
        _pendingLength = 0;
        _sending = null;
        _sendingStart = _sendingEnd = 0;
    }
}
