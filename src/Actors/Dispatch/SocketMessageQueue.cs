using Akka.Actor;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace ActorNet.Dispatch;

/// <summary>
/// A socket actor's message queue: a plain queue under a lock, empty until the first message. Akka's default
/// (a ConcurrentQueue) allocates a 32-slot segment per actor, about 1 KiB that every idle connection would hold.
/// </summary>
internal sealed class SocketMessageQueue : IMessageQueue, IUnboundedMessageQueueSemantics
{
    private readonly Queue<Envelope> _queue = new(0);
    private int _count;

    public bool HasMessages => Volatile.Read(ref _count) > 0;

    public int Count => Volatile.Read(ref _count);

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        lock (_queue)
        {
            _queue.Enqueue(envelope);
            _count = _queue.Count;
        }
    }

    public bool TryDequeue(out Envelope envelope)
    {
        lock (_queue)
        {
            var found = _queue.TryDequeue(out envelope);
            _count = _queue.Count;
            // Give a burst's array back once drained, so an idle connection holds none.
            if (_count == 0 && _queue.EnsureCapacity(0) > 16) _queue.TrimExcess();
            return found;
        }
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope)) deadletters.Enqueue(owner, envelope);
    }
}
