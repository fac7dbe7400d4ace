using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.TestKit;
using ActorNet.Connection;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Transport.InMemory;

namespace ActorNet.Testing;

/// <summary>
/// Runs one handler on an in-memory connection inside a TestKit, and plays the peer: send bytes, FIN or a
/// reset, and expect bytes, FIN, reset or the socket's end, in TestKit's Expect… style (timeouts are dilated
/// by <c>akka.test.timefactor</c>). No sockets, so a protocol test runs in milliseconds and deterministically.
/// </summary>
public sealed class ConnectionHarness
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(3);

    private readonly TestKitBase _kit;
    private readonly InMemoryConnection _peer;
    private readonly TestProbe _wire;
    private readonly byte[] _buffer = new byte[64 * 1024];

    private ConnectionHarness(TestKitBase kit, InMemoryConnection peer, TestProbe wire, IActorRef socket)
    {
        _kit = kit;
        _peer = peer;
        _wire = wire;
        Socket = socket;
    }

    /// <summary>The socket actor running the handler; it takes <see cref="SocketProtocol"/> commands.</summary>
    public IActorRef Socket { get; }

    /// <summary>
    /// Starts <paramref name="handler"/> on a fresh in-memory connection, with the per-connection settings of
    /// <paramref name="options"/> (allow-half-open, pause-on-connect, idle-timeout, high-water mark, ...).
    /// </summary>
    /// <param name="kit">The test's TestKit.</param>
    /// <param name="handler">The handler under test.</param>
    /// <param name="options">Server options; defaults to <see cref="ServerOptions"/>' defaults.</param>
    /// <param name="bufferSize">Bytes each direction holds before the writer waits (the "kernel buffer").</param>
    public static ConnectionHarness Start(TestKitBase kit, IConnectionHandler handler, ServerOptions? options = null, int bufferSize = 64 * 1024)
    {
        ArgumentNullException.ThrowIfNull(kit);
        ArgumentNullException.ThrowIfNull(handler);
        var (server, peer) = InMemoryConnection.CreatePair(bufferSize);
        var wire = kit.CreateTestProbe();
        peer.Attach(wire.Ref);
        var settings = ConnectionSettings.From(options ?? new ServerOptions());
        var socket = kit.Sys.ActorOf(SocketActor.Props(server, handler, settings, SocketActor.NextConnectionId()));
        wire.Watch(socket);
        return new ConnectionHarness(kit, peer, wire, socket);
    }

    /// <summary>
    /// Sends <paramref name="bytes"/> from the peer and waits (bounded) until all of them fit in the handler's
    /// receive buffer. A handler that stops reading (paused, or back-pressured because nobody reads its
    /// replies) makes this time out, as a real peer would block: read its output in between.
    /// </summary>
    public void Send(ReadOnlySpan<byte> bytes, TimeSpan? timeout = null)
    {
        if (bytes.IsEmpty) return;
        _peer.SendAsync(bytes.ToArray());
        var done = _wire.FishForMessage(m => m is TransportSignal.Sent or TransportSignal.Failed,
            _kit.Dilated(timeout ?? DefaultWait), "the handler's side to take the bytes");
        if (done is TransportSignal.Failed failed) Fail($"the peer could not send: {failed.Error}");
    }

    /// <summary>Sends ASCII text from the peer.</summary>
    public void Send(string text, TimeSpan? timeout = null) => Send(Encoding.ASCII.GetBytes(text), timeout);

    /// <summary>The peer sends FIN (half-close).</summary>
    public void SendFin() => _peer.ShutdownSend();

    /// <summary>The peer resets the connection.</summary>
    public void Reset() => _peer.Abort();

    /// <summary>Expects exactly <paramref name="count"/> bytes from the handler, in time.</summary>
    public byte[] ExpectBytes(int count, TimeSpan? timeout = null)
    {
        var result = new byte[count];
        var got = 0;
        var deadline = DateTime.UtcNow + _kit.Dilated(timeout ?? DefaultWait);
        while (got < count)
        {
            var n = Read(result.AsSpan(got), deadline, out var eof);
            if (eof) Fail($"expected {count} bytes, got FIN after {got}: \"{Encoding.ASCII.GetString(result, 0, got)}\"");
            got += n;
        }
        return result;
    }

    /// <summary>Expects <paramref name="expected"/> (ASCII) from the handler, in time.</summary>
    public void ExpectString(string expected, TimeSpan? timeout = null)
    {
        var actual = Encoding.ASCII.GetString(ExpectBytes(expected.Length, timeout));
        if (actual != expected) Fail($"expected \"{expected}\", got \"{actual}\"");
    }

    /// <summary>Expects the handler's side to end (FIN) with nothing more before it.</summary>
    public void ExpectFin(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + _kit.Dilated(timeout ?? DefaultWait);
        var n = Read(_buffer, deadline, out var eof);
        if (!eof) Fail($"expected FIN, got {n} more bytes: \"{Encoding.ASCII.GetString(_buffer, 0, n)}\"");
    }

    /// <summary>Reads everything until the handler's FIN.</summary>
    public byte[] ReadToEnd(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + _kit.Dilated(timeout ?? DefaultWait);
        var all = new MemoryStream();
        while (true)
        {
            var n = Read(_buffer, deadline, out var eof);
            if (eof) return all.ToArray();
            all.Write(_buffer, 0, n);
        }
    }

    /// <summary>Expects that nothing arrives from the handler for <paramref name="duration"/>.</summary>
    public void ExpectNoBytes(TimeSpan duration)
    {
        var (n, error, _) = _peer.TryReceive(_buffer);
        if (error == SocketError.WouldBlock)
        {
            _peer.WaitReadable();
            _wire.ExpectNoMsg(_kit.Dilated(duration));
            return;
        }
        Fail(error == SocketError.Success ? $"expected nothing, got {(n == 0 ? "FIN" : n + " bytes")}" : $"expected nothing, got {error}");
    }

    /// <summary>Expects the socket actor to have stopped (the connection is closed).</summary>
    public void ExpectClosed(TimeSpan? timeout = null) => _wire.ExpectTerminated(Socket, _kit.Dilated(timeout ?? DefaultWait));

    private static void Fail(string message) => throw new ExpectationFailedException(message);

    private int Read(Span<byte> into, DateTime deadline, out bool eof)
    {
        while (true)
        {
            var (n, error, _) = _peer.TryReceive(into);
            eof = error == SocketError.Success && n == 0;
            if (error == SocketError.Success) return n;
            if (error != SocketError.WouldBlock) Fail($"the connection failed: {error}");
            _peer.WaitReadable();
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) Fail("timed out waiting for bytes from the handler");
            _wire.FishForMessage(m => m is TransportSignal.Readable, left);
        }
    }
}

/// <summary>An expectation of <see cref="ConnectionHarness"/> was not met.</summary>
public sealed class ExpectationFailedException(string message) : Exception(message);
