using System.Diagnostics.CodeAnalysis;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Akka.Actor;
using Akka.TestKit;
using ActorNet.Connection;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Transport;
using ActorNet.Transport.InMemory;
using ActorNet.Transport.Tls;

namespace ActorNet.Testing;

/// <summary>
/// Runs one handler on an in-memory connection inside a TestKit, and plays the peer: send bytes, FIN or a
/// reset, and expect bytes, FIN, reset or the socket's end, in TestKit's Expect… style (timeouts are dilated
/// by <c>akka.test.timefactor</c>). A failed expectation says what was expected and what arrived instead. No sockets, so a protocol test runs in milliseconds and deterministically.
/// </summary>
public sealed class ConnectionHarness
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(3);

    private readonly TestKitBase _kit;
    private readonly ITransportConnection _peer;
    private readonly TestProbe _wire;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private bool _socketStopped;
    private SocketError _failure;

    private ConnectionHarness(TestKitBase kit, ITransportConnection peer, TestProbe wire, IActorRef socket)
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
    /// Starts <paramref name="handler"/> on a fresh in-memory connection over TLS: the peer (this harness) and the
    /// handler's side complete a real handshake (<see cref="SslStream"/> on both ends, TLS 1.2 or 1.3), then every
    /// Send and Expect… is plaintext, as the handler sees it; <see cref="SendFin"/> sends close_notify, then FIN.
    /// </summary>
    /// <param name="kit">The test's TestKit.</param>
    /// <param name="handler">The handler under test.</param>
    /// <param name="options">Server options; <see cref="ServerOptions.Tls"/> when set (its certificate), otherwise a
    /// self-signed certificate made for the test.</param>
    /// <param name="bufferSize">Bytes each direction holds before the writer waits (the "kernel buffer").</param>
    /// <exception cref="ExpectationFailedException">The handshake did not complete in time.</exception>
    public static ConnectionHarness StartTls(TestKitBase kit, IConnectionHandler handler, ServerOptions? options = null, int bufferSize = 64 * 1024)
    {
        ArgumentNullException.ThrowIfNull(kit);
        ArgumentNullException.ThrowIfNull(handler);
        var tls = options?.Tls ?? new TlsServerOptions { Certificate = TestCertificate.Value };
        var (server, peer) = InMemoryConnection.CreatePair(bufferSize);
        var provider = ((ExtendedActorSystem)kit.Sys).Provider;
        var accepting = TlsHandshake.AcceptAsync(server, tls, provider, CancellationToken.None);
        var connecting = ConnectPeerAsync(peer, provider);
        if (!Task.WhenAll(accepting, connecting).Wait(kit.Dilated(TimeSpan.FromSeconds(10))))
            Fail("the TLS handshake over the in-memory connection did not complete within 10 s");
        var wire = kit.CreateTestProbe();
        var secured = connecting.Result;
        secured.Attach(wire.Ref);
        var settings = ConnectionSettings.From(options ?? new ServerOptions());
        var socket = kit.Sys.ActorOf(SocketActor.Props(accepting.Result, handler, settings, SocketActor.NextConnectionId()));
        wire.Watch(socket);
        return new ConnectionHarness(kit, secured, wire, socket);
    }

    // The peer's side of the handshake: it trusts whatever certificate the handler's side shows.
    private static async Task<TlsConnection> ConnectPeerAsync(ITransportConnection peer, IActorRefProvider provider)
    {
        var cipher = new CipherStream(peer);
        peer.Attach(new SignalSink(provider, cipher.OnSignal));
        var ssl = new SslStream(cipher, leaveInnerStreamOpen: true);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            EnabledSslProtocols = TlsHandshake.Protocols,
            RemoteCertificateValidationCallback = static (_, _, _, _) => true,
        }).ConfigureAwait(false);
        return new TlsConnection(cipher, ssl, new TlsInfo(TlsInfo.ProtocolName(ssl.SslProtocol), ssl.NegotiatedCipherSuite.ToString(), "localhost", null));
    }

    private static readonly Lazy<X509Certificate2> TestCertificate = new(static () =>
    {
        var request = new CertificateRequest("CN=localhost", ECDsa.Create(ECCurve.NamedCurves.nistP256), HashAlgorithmName.SHA256);
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(7));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    });

    /// <summary>
    /// Sends <paramref name="bytes"/> from the peer and waits (bounded) until all of them fit in the handler's
    /// receive buffer. A handler that stops reading (paused, or back-pressured because nobody reads its
    /// replies) makes this time out, as a real peer would block: read its output in between.
    /// </summary>
    /// <exception cref="ExpectationFailedException">The bytes did not fit in time, or the connection failed.</exception>
    public void Send(ReadOnlySpan<byte> bytes, TimeSpan? timeout = null)
    {
        if (bytes.IsEmpty) return;
        var wait = _kit.Dilated(timeout ?? DefaultWait);
        var deadline = DateTime.UtcNow + wait;
        _peer.SendAsync(bytes.ToArray());
        while (true)
        {
            switch (NextSignal(deadline))
            {
                case TransportSignal.Sent:
                    return;
                case TransportSignal.Failed failed:
                    Fail($"the peer could not send {bytes.Length} bytes: {failed.Error}{SocketState()}");
                    break;
                case null:
                    Fail($"expected the handler's side to take {bytes.Length} bytes within {Seconds(wait)}; it did not "
                        + $"(it stopped reading: paused, or back-pressured because nobody reads its replies){SocketState()}");
                    break;
            }
        }
    }

    /// <summary>Sends <paramref name="text"/> from the peer, encoded as UTF-8 (so ASCII text is sent as is).</summary>
    public void Send(string text, TimeSpan? timeout = null) => Send(Encoding.UTF8.GetBytes(text), timeout);

    /// <summary>The peer sends FIN (half-close).</summary>
    public void SendFin() => _peer.ShutdownSend();

    /// <summary>The peer resets the connection.</summary>
    public void Reset() => _peer.Abort();

    /// <summary>Expects exactly <paramref name="count"/> bytes from the handler, in time.</summary>
    /// <exception cref="ExpectationFailedException">Fewer arrived (the message shows them), then FIN, a reset or the timeout.</exception>
    public byte[] ExpectBytes(int count, TimeSpan? timeout = null)
    {
        var wait = _kit.Dilated(timeout ?? DefaultWait);
        var got = new MemoryStream();
        var outcome = Receive(got, count, DateTime.UtcNow + wait);
        if (outcome != Outcome.Enough) Fail($"expected {count} bytes within {Seconds(wait)}, got {Arrived(got, outcome)}");
        return got.ToArray();
    }

    /// <summary>Expects <paramref name="expected"/> (as UTF-8 bytes) from the handler, in time.</summary>
    /// <exception cref="ExpectationFailedException">Other bytes arrived, or too few; the message shows both, escaped.</exception>
    public void ExpectString(string expected, TimeSpan? timeout = null)
    {
        var want = Encoding.UTF8.GetBytes(expected);
        var wait = _kit.Dilated(timeout ?? DefaultWait);
        var got = new MemoryStream();
        var outcome = Receive(got, want.Length, DateTime.UtcNow + wait);
        if (outcome != Outcome.Enough)
            Fail($"expected {Printable(want)} within {Seconds(wait)}, got {Arrived(got, outcome)}");
        else if (!got.ToArray().AsSpan().SequenceEqual(want))
            Fail($"expected {Printable(want)}, got {Printable(got.ToArray())}");
    }

    /// <summary>Expects the handler's side to end (FIN) with nothing more before it.</summary>
    /// <exception cref="ExpectationFailedException">Bytes arrived first (the message shows them), a reset, or nothing in time.</exception>
    public void ExpectFin(TimeSpan? timeout = null)
    {
        var wait = _kit.Dilated(timeout ?? DefaultWait);
        var got = new MemoryStream();
        var outcome = Receive(got, 1, DateTime.UtcNow + wait);
        if (outcome == Outcome.Fin) return;
        if (outcome == Outcome.Enough) outcome = TakeAvailable(got);
        Fail($"expected FIN within {Seconds(wait)}, got {Arrived(got, outcome)}");
    }

    /// <summary>Reads everything until the handler's FIN.</summary>
    /// <exception cref="ExpectationFailedException">No FIN in time, or a reset; the message shows what did arrive.</exception>
    public byte[] ReadToEnd(TimeSpan? timeout = null)
    {
        var wait = _kit.Dilated(timeout ?? DefaultWait);
        var got = new MemoryStream();
        var outcome = Receive(got, int.MaxValue, DateTime.UtcNow + wait);
        if (outcome != Outcome.Fin) Fail($"expected bytes then FIN within {Seconds(wait)}, got {Arrived(got, outcome)}");
        return got.ToArray();
    }

    /// <summary>Expects that nothing arrives from the handler for <paramref name="duration"/>.</summary>
    /// <exception cref="ExpectationFailedException">Bytes, FIN or a reset arrived; the message shows them.</exception>
    public void ExpectNoBytes(TimeSpan duration)
    {
        var wait = _kit.Dilated(duration);
        var got = new MemoryStream();
        var outcome = Receive(got, 1, DateTime.UtcNow + wait);
        if (outcome == Outcome.TimedOut) return;
        if (outcome == Outcome.Enough) outcome = TakeAvailable(got);
        Fail($"expected nothing for {Seconds(wait)}, got {Arrived(got, outcome)}");
    }

    /// <summary>Expects the socket actor to have stopped (the connection is closed).</summary>
    /// <exception cref="ExpectationFailedException">It still runs at the timeout; the message shows what arrived meanwhile.</exception>
    public void ExpectClosed(TimeSpan? timeout = null)
    {
        var wait = _kit.Dilated(timeout ?? DefaultWait);
        var deadline = DateTime.UtcNow + wait;
        while (!_socketStopped)
        {
            if (NextSignal(deadline) is not null) continue;
            var got = new MemoryStream();
            var outcome = TakeAvailable(got);
            Fail($"expected the connection to close within {Seconds(wait)}, but its socket actor still runs; "
                + $"from the handler: {Arrived(got, outcome)}");
        }
    }

    [DoesNotReturn]
    private static void Fail(string message) => throw new ExpectationFailedException(message);

    // The next message on the wire probe, or null at the deadline; notes when the socket actor stops, whoever waits.
    private object? NextSignal(DateTime deadline)
    {
        var left = deadline - DateTime.UtcNow;
        if (left <= TimeSpan.Zero) return null;
        var message = _wire.ReceiveOne(left);
        if (message is Terminated terminated && terminated.ActorRef.Equals(Socket)) _socketStopped = true;
        return message;
    }

    // Reads from the handler into got until it holds want bytes, FIN, a failure or the deadline.
    private Outcome Receive(MemoryStream got, int want, DateTime deadline)
    {
        while (got.Length < want)
        {
            var room = (int)Math.Min(_buffer.Length, want - got.Length);
            var (n, error, _) = _peer.TryReceive(_buffer.AsSpan(0, room));
            if (error == SocketError.Success)
            {
                if (n == 0) return Outcome.Fin;
                got.Write(_buffer, 0, n);
                continue;
            }
            if (error != SocketError.WouldBlock)
            {
                _failure = error;
                return Outcome.Failed;
            }
            _peer.WaitReadable();
            // Any signal (Readable, or the socket actor's end) is a reason to look again; only the deadline ends the wait.
            if (NextSignal(deadline) is null) return Outcome.TimedOut;
        }
        return Outcome.Enough;
    }

    // For a failure message: whatever the handler has sent that was not read yet, without waiting.
    private Outcome TakeAvailable(MemoryStream got)
    {
        while (true)
        {
            var (n, error, _) = _peer.TryReceive(_buffer);
            if (error == SocketError.WouldBlock) return Outcome.TimedOut;
            if (error != SocketError.Success)
            {
                _failure = error;
                return Outcome.Failed;
            }
            if (n == 0) return Outcome.Fin;
            got.Write(_buffer, 0, n);
        }
    }

    private string Arrived(MemoryStream got, Outcome outcome)
    {
        var bytes = got.Length == 0 ? "no bytes" : Printable(got.ToArray());
        var then = outcome switch
        {
            Outcome.Fin => ", then FIN",
            Outcome.Failed => $", then the connection failed ({_failure})",
            Outcome.TimedOut => got.Length == 0 ? "" : " and nothing more",
            _ => "",
        };
        return bytes + then + SocketState();
    }

    private string SocketState() => _socketStopped ? " (the socket actor has stopped)" : "";

    private static string Seconds(TimeSpan wait) => $"{wait.TotalSeconds:0.###} s";

    /// <summary>
    /// Bytes as a quoted string a test failure can show: printable ASCII as is, <c>\n</c>, <c>\r</c>, <c>\t</c>,
    /// everything else as <c>\xNN</c> (so UTF-8 shows byte by byte); long input is cut after 256 bytes.
    /// </summary>
    public static string Printable(ReadOnlySpan<byte> bytes)
    {
        const int Shown = 256;
        var text = new StringBuilder("\"");
        foreach (var b in bytes.Length > Shown ? bytes[..Shown] : bytes)
        {
            text.Append(b switch
            {
                (byte)'\n' => "\\n",
                (byte)'\r' => "\\r",
                (byte)'\t' => "\\t",
                (byte)'"' => "\\\"",
                (byte)'\\' => "\\\\",
                >= 0x20 and < 0x7f => ((char)b).ToString(),
                _ => $"\\x{b:X2}",
            });
        }
        text.Append(bytes.Length > Shown ? "\"..." : "\"");
        return text.Append($" ({bytes.Length} byte{(bytes.Length == 1 ? "" : "s")})").ToString();
    }

    private enum Outcome
    {
        Enough,
        Fin,
        Failed,
        TimedOut,
    }
}
