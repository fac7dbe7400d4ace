using ActorNet.Connection;
using BenchmarkDotNet.Attributes;

namespace ActorNet.Bench.Micro;

/// <summary>
/// The internal WriteQueue alone (src/Actors/Connection/WriteQueue.cs), in the order SocketActor uses it
/// when the kernel does not take a burst: the first write is appended and handed out (NextToSend, in flight),
/// the later writes coalesce into the pending buffer, then each completed send (Sent) hands out the next.
/// One operation = <see cref="Writes"/> writes of 64 B appended and drained.
/// Compiled only when ActorNet.Actors grants InternalsVisibleTo("ActorNet.Bench.Micro") (see the csproj).
/// </summary>
[MemoryDiagnoser]
public class WriteQueueBenchmarks
{
    private const int WriteSize = 64;

    private readonly WriteQueue _queue = new();
    private readonly byte[] _payload = Enumerable.Range(0, WriteSize).Select(i => (byte)i).ToArray();

    /// <summary>64 B writes per operation (1024 = 64 KiB).</summary>
    [Params(1024)]
    public int Writes { get; set; }

    /// <summary>Bytes the "kernel" takes per completed send: 0 = the whole send (sockets), else partial sends.</summary>
    [Params(0, 1500)]
    public int SendCompletes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        if (EnqueueAndDrain() != (long)Writes * WriteSize || _queue.Length != 0)
            throw new InvalidOperationException("write queue check failed");
    }

    [Benchmark]
    public long EnqueueAndDrain()
    {
        var queue = _queue;
        queue.Append(_payload);
        var inFlight = queue.NextToSend();          // SendQueued after the first queued write
        for (var i = 1; i < Writes; i++) queue.Append(_payload);
        long sent = 0;
        while (!inFlight.IsEmpty)
        {
            var taken = SendCompletes == 0 ? inFlight.Length : Math.Min(SendCompletes, inFlight.Length);
            sent += taken;
            queue.Sent(taken);                      // OnSendCompleted
            inFlight = queue.NextToSend();          // SendQueued while Length > 0
        }
        return sent;
    }
}
