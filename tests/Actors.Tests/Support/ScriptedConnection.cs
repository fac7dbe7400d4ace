using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Transport;

namespace ActorNet.Tests.Support;

/// <summary>
/// A transport connection driven by the test: reads come from a script, and every call the socket
/// actor makes is reported to <paramref name="calls"/> as a string ("wait-readable", "send 3", "shutdown", "close", "abort").
/// </summary>
internal sealed class ScriptedConnection(IActorRef calls) : ITransportConnection
{
    private readonly Queue<byte[]?> _reads = new(); // null = EOF
    private IActorRef _owner = ActorRefs.Nobody;

    public EndPoint? LocalEndPoint { get; } = new IPEndPoint(IPAddress.Loopback, 1);

    public EndPoint? RemoteEndPoint { get; } = new IPEndPoint(IPAddress.Loopback, 2);

    public int KernelSpace { get; set; } = int.MaxValue;

    public void Feed(byte[] bytes)
    {
        lock (_reads) _reads.Enqueue(bytes);
    }

    public void FeedEof()
    {
        lock (_reads) _reads.Enqueue(null);
    }

    public void Attach(IActorRef owner) => _owner = owner;

    // Like a socket's readiness wait: completes at once when a scripted read is already there.
    public void WaitReadable()
    {
        calls.Tell("wait-readable");
        lock (_reads)
            if (_reads.Count > 0) _owner.Tell(TransportSignal.Readable.Instance);
    }

    // Each scripted read is one short read, which drains the connection: the socket actor then waits again.
    public ReadResult TryReceive(Span<byte> buffer)
    {
        lock (_reads)
        {
            if (_reads.Count == 0) return ReadResult.WouldBlock;
            var next = _reads.Dequeue();
            if (next is null) return ReadResult.EndOfStream;
            next.CopyTo(buffer);
            return ReadResult.Data(next.Length, buffer.Length);
        }
    }

    public int TrySend(ReadOnlySpan<byte> data, out SocketError error)
    {
        error = SocketError.Success;
        var n = Math.Min(data.Length, KernelSpace);
        calls.Tell($"send {n}");
        return n;
    }

    public void SendAsync(ReadOnlyMemory<byte> data) => calls.Tell($"send-async {data.Length}");

    public SocketError ShutdownSend()
    {
        calls.Tell("shutdown");
        return SocketError.Success;
    }

    public void Close() => calls.Tell("close");

    public void Abort() => calls.Tell("abort");

    public NetError? SetKeepAlive(KeepAliveOptions keepAlive) => null;

    public NetError? SetNoDelay(bool noDelay) => null;
}
