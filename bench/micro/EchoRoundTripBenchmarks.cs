using ActorNet.Bench.Micro.Support;
using ActorNet.Handlers;
using BenchmarkDotNet.Attributes;

namespace ActorNet.Bench.Micro;

/// <summary>
/// One 64-byte echo round trip through the real server stack (ServerActor → ConnectionSupervisor → SocketActor
/// → the built-in <see cref="EchoHandler"/>) on the in-memory transport: the peer sends 64 B and waits until the
/// 64 B came back. One operation = one message echoed, so Mean is time per message (1 / ops/s) and Allocated
/// is bytes per message over the whole process (socket actor, mailbox and transport included; BenchmarkDotNet
/// counts every thread's allocations). One connection is reused for every operation.
/// </summary>
[MemoryDiagnoser]
public class EchoRoundTripBenchmarks
{
    private const int MessageSize = 64;

    private InMemoryServer _server = null!;
    private InMemoryPeer _peer = null!;
    private readonly byte[] _message = new byte[MessageSize];
    private readonly byte[] _reply = new byte[MessageSize];

    /// <summary>Where socket actors run (see <see cref="InMemoryServer"/>).</summary>
    [Params(InMemoryServer.DefaultDispatcher, InMemoryServer.EventLoopDispatcher)]
    public string Dispatcher { get; set; } = InMemoryServer.DefaultDispatcher;

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < _message.Length; i++) _message[i] = (byte)('0' + i % 64);
        _server = InMemoryServer.Start(Dispatcher, static () => new EchoHandler());
        _peer = _server.Connect();
        // One checked round trip: the bytes come back unchanged.
        Echo64B();
        if (!_reply.AsSpan().SequenceEqual(_message)) throw new InvalidOperationException("echo returned different bytes");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _peer.Dispose();
        _server.Dispose();
    }

    [Benchmark]
    public void Echo64B()
    {
        _peer.Send(_message);
        _peer.Receive(MessageSize, _reply);
    }
}
