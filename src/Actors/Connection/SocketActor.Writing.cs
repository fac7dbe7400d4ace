using System.Net.Sockets;
using Akka.Actor;
using ActorNet.Protocol;

namespace ActorNet.Connection;

/// <summary>
/// The write pump: a write goes to the kernel at once when nothing is queued; what the kernel did not take waits in
/// the <see cref="WriteQueue"/> (coalesced) for one asynchronous send at a time. Acks are told when their last byte
/// reached the kernel; above the high-water mark Write returns false and Drain follows once the queue empties.
/// </summary>
internal sealed partial class SocketActor
{
    private readonly WriteQueue _queue = new();
    private Queue<(long Offset, object Ack, IActorRef? ReplyTo)>? _acks;
    private long _bytesWritten;
    private bool _needDrain;

    public long BytesWritten => _bytesWritten;

    public long QueuedBytes => _queue.Length;

    // Called by Write on a socket whose write side is open.
    private bool Enqueue(ReadOnlySpan<byte> data, object? ack, IActorRef? replyTo)
    {
        Touch();
        if (_life == Lifecycle.Open && !_queue.IsSending && _queue.Length == 0 && !data.IsEmpty)
        {
            var n = _connection.TrySend(data, out var error);
            if (error == SocketError.WouldBlock) n = 0;
            else if (error != SocketError.Success)
            {
                Close(NetError.FromSocketError(error, "write", RemoteEndPoint), abort: false, "write error");
                return false;
            }
            _bytesWritten += n;
            data = data[n..];
        }
        if (data.IsEmpty && !_queue.IsSending && _queue.Length == 0)
        {
            if (ack is not null) replyTo?.Tell(ack, _self);
            return true;
        }
        if (_queue.Length + data.Length > _settings.MaxWriteQueue)
        {
            Close(NetError.WriteQueueFull(_settings.MaxWriteQueue), abort: true, "write queue full");
            return false;
        }
        _queue.Append(data);
        if (ack is not null)
            (_acks ??= new Queue<(long, object, IActorRef?)>()).Enqueue((_bytesWritten + _queue.Length, ack, replyTo));
        if (!_queue.IsSending && _life == Lifecycle.Open) SendQueued();
        if (_queue.Length < _settings.WriteHighWaterMark) return true;
        _needDrain = true;
        return false;
    }

    private void SendQueued()
    {
        var next = _queue.NextToSend();
        if (!next.IsEmpty) _connection.SendAsync(next);
    }

    /// <summary>Books a finished send and tells its acks; true when the queue is now empty.</summary>
    private bool SendCompleted(int bytes)
    {
        _bytesWritten += bytes;
        _queue.Sent(bytes);
        Touch();
        while (_acks is { Count: > 0 } && _acks.Peek().Offset <= _bytesWritten)
        {
            var (_, ack, replyTo) = _acks.Dequeue();
            replyTo?.Tell(ack, _self);
        }
        if (_queue.Length == 0) return true;
        SendQueued();
        return false;
    }

    // Node calls pending write callbacks with an error on destroy; an ack never arrives silently late.
    private void DropQueue(NetError error)
    {
        _queue.Clear();
        while (_acks is { Count: > 0 })
        {
            var (_, _, replyTo) = _acks.Dequeue();
            replyTo?.Tell(new SocketProtocol.ErrorOccurred(_self, error));
        }
    }
}
