using ActorNet.Bench.Micro.Support;
using ActorNet.Handlers;
using BenchmarkDotNet.Attributes;

namespace ActorNet.Bench.Micro;

/// <summary>
/// Write coalescing as the socket actor does it, through the public API: on a 1-byte trigger the handler
/// makes <see cref="Writes"/> writes of 64 B in one callback while the peer's 4 KiB "kernel buffer" is full
/// after the first 64, so the rest is appended to the socket actor's internal WriteQueue (one pooled,
/// growing buffer), handed to the transport as one send and drained as the peer reads (SendCompleted, Sent,
/// NextToSend, OnDrain). One operation = the whole burst, 64 KiB, written and read by the peer.
/// The direct benchmark of WriteQueue alone is <c>WriteQueueBenchmarks</c> (needs InternalsVisibleTo, see the csproj).
/// </summary>
[MemoryDiagnoser]
public class WriteCoalescingBenchmarks
{
    private const int WriteSize = 64;
    private const int PeerBuffer = 4096;

    private InMemoryServer _server = null!;
    private InMemoryPeer _peer = null!;
    private readonly byte[] _trigger = [1];
    private readonly byte[] _scratch = new byte[64 * 1024];

    /// <summary>64 B writes per burst (1024 = 64 KiB).</summary>
    [Params(1024)]
    public int Writes { get; set; }

    /// <summary>Where socket actors run (see <see cref="InMemoryServer"/>).</summary>
    [Params(InMemoryServer.DefaultDispatcher, InMemoryServer.EventLoopDispatcher)]
    public string Dispatcher { get; set; } = InMemoryServer.DefaultDispatcher;

    [GlobalSetup]
    public void Setup()
    {
        var writes = Writes;
        _server = InMemoryServer.Start(Dispatcher, () => new BurstHandler(writes, WriteSize));
        _peer = _server.Connect(PeerBuffer);
        Burst64B();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _peer.Dispose();
        _server.Dispose();
    }

    [Benchmark]
    public void Burst64B()
    {
        _peer.Send(_trigger);
        _peer.Receive(Writes * WriteSize, _scratch);
    }

    /// <summary>Per byte received, <c>writes</c> writes of <c>size</c> bytes, ignoring back-pressure (up to max-write-queue).</summary>
    private sealed class BurstHandler(int writes, int size) : IConnectionHandler
    {
        private readonly byte[] _payload = Enumerable.Range(0, size).Select(i => (byte)i).ToArray();

        public void OnData(ISocket socket, ReadOnlySpan<byte> data)
        {
            for (var t = 0; t < data.Length; t++)
                for (var i = 0; i < writes; i++) socket.Write(_payload);
        }
    }
}
