using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Akka.Actor;
using ActorNet.Options;
using ActorNet.Protocol;

namespace ActorNet.Transport.Tls;

/// <summary>
/// A connection after its TLS handshake, as the socket actor sees it: plaintext in and out, with the same rules as
/// any transport (<see cref="ITransportConnection"/>). Underneath, <see cref="SslStream"/> over a
/// <see cref="CipherStream"/>: at most one read and one write in flight; their completions come back to the socket
/// actor as <see cref="TransportSignal"/> messages. While the socket waits for data, the read in flight is a
/// zero-byte one, so an idle TLS connection holds no read buffer; a paused socket has no read in flight at all,
/// so nothing is read from the kernel.
/// </summary>
internal sealed class TlsConnection : ITransportConnection
{
    // SslStream hands out at most one TLS record (16 KiB) per read.
    private const int PlainBufferSize = 16 * 1024 + 64;

    private readonly CipherStream _cipher;
    private readonly SslStream _ssl;
    private readonly object _gate = new();
    // After the handshake the records are read and written on the SSL object directly, where that can be done; the
    // SslStream path below (a plaintext buffer, readiness reads, asynchronous writes) serves everywhere else.
    private readonly OpenSslChannel? _direct;
    private IActorRef _owner = ActorRefs.Nobody;
    private byte[]? _plain;
    private int _plainStart;
    private int _plainEnd;
    private bool _readInFlight;
    private bool _ownerWaiting;
    private bool _dataHint;
    private bool _eof;
    private SocketError _readError;
    // Nagle's algorithm is off from the handshake to the first write after it (see NagleAfterFirstWrite).
    private volatile bool _nagleAfterFirstWrite = true;
    // The zero-byte read in flight while the owner waits, and what runs when it completes (made once: a wait
    // allocates nothing).
    private ValueTask<int> _readiness;
    private readonly Action _onReadiness;

    /// <param name="cipher">The encrypted bytes' stream under <paramref name="ssl"/>.</param>
    /// <param name="ssl">The stream that ran the handshake.</param>
    /// <param name="info">What the handshake negotiated.</param>
    /// <param name="direct">Whether the records may bypass SslStream (<see cref="OpenSslChannel"/>) where that can be done.</param>
    public TlsConnection(CipherStream cipher, SslStream ssl, TlsInfo info, bool direct = true)
    {
        _cipher = cipher;
        _ssl = ssl;
        Info = info;
        // Before the first read or write: an idle connection then holds no OpenSSL record buffers.
        BuffersReleased = OpenSslBuffers.Release(ssl);
        cipher.ResumeOnSignallingThread();
        _onReadiness = OnReadiness;
        _direct = direct ? OpenSslChannel.TryTakeOver(cipher, ssl) : null;
        if (_direct is null) cipher.EndWholeRecords();
        // SslStream is done with: its buffer (8 KiB from the handshake, per connection) goes back to the pool now. The
        // SSL object lives on until the channel lets it go.
        else ssl.Dispose();
    }

    /// <summary>Whether OpenSSL frees this connection's record buffers when they are empty (see <see cref="OpenSslBuffers"/>).</summary>
    public bool BuffersReleased { get; }

    /// <summary>What the handshake negotiated.</summary>
    public TlsInfo Info { get; }

    public EndPoint? LocalEndPoint => _cipher.Inner.LocalEndPoint;

    public EndPoint? RemoteEndPoint => _cipher.Inner.RemoteEndPoint;

    public int Descriptor => _cipher.Inner.Descriptor;

    /// <summary>The connection underneath, carrying the encrypted bytes.</summary>
    internal ITransportConnection Inner => _cipher.Inner;

    /// <summary>Whether the records go through <see cref="OpenSslChannel"/> rather than SslStream.</summary>
    internal bool Direct => _direct is not null;

    public void Attach(IActorRef owner)
    {
        _owner = owner;
        _direct?.Attach(owner);
    }

    public void WaitReadable()
    {
        if (_direct is not null)
        {
            _direct.WaitReadable();
            return;
        }
        bool readable;
        lock (_gate)
        {
            readable = _plainEnd > _plainStart || _eof || _readError != SocketError.Success || _dataHint;
            if (!readable)
            {
                _ownerWaiting = true;
                if (_readInFlight) return;
                _readInFlight = true;
                // "Is something there?" without a buffer: SslStream answers at once when it holds decrypted bytes.
                var wait = _ssl.ReadAsync(Memory<byte>.Empty);
                if (!wait.IsCompleted)
                {
                    _readiness = wait;
                    // Runs where the read completes (an I/O thread after the handshake); never inline here.
                    wait.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onReadiness);
                    return;
                }
                readable = ReadReady(wait);
            }
        }
        // Told outside the lock: an event-loop socket actor may run right here.
        if (readable) _owner.Tell(TransportSignal.Readable.Instance, ActorRefs.NoSender);
    }

    private void OnReadiness()
    {
        ValueTask<int> wait;
        lock (_gate) (wait, _readiness) = (_readiness, default);
        try
        {
            wait.GetAwaiter().GetResult(); // once, as a ValueTask must be
        }
        catch (Exception e) when (e is IOException or AuthenticationException or ObjectDisposedException or OperationCanceledException
                                       or InvalidOperationException or NotSupportedException)
        {
            // The real read that follows meets the same error and reports it. (This runs on the thread the read
            // completed on, often an event loop: SslStream's documented failures all end here.)
        }
        bool readable;
        lock (_gate) readable = ReadReady(default);
        if (readable) _owner.Tell(TransportSignal.Readable.Instance, ActorRefs.NoSender);
    }

    // Under the lock: whether the owner waits for this news (and is then told, outside the lock).
    private bool ReadReady(ValueTask<int> completed)
    {
        if (completed.IsFaulted) _ = completed.AsTask().Exception; // observed; the real read reports it
        _readInFlight = false;
        _dataHint = true;
        if (!_ownerWaiting) return false;
        _ownerWaiting = false;
        return true;
    }

    public ReadResult TryReceive(Span<byte> buffer)
    {
        if (_direct is not null) return _direct.TryReceive(buffer);
        lock (_gate)
        {
            if (_plainEnd > _plainStart) return CopyPlain(buffer);
            if (_readError != SocketError.Success) return ReadResult.Failure(_readError);
            if (_eof) return ReadResult.EndOfStream;
            if (_readInFlight || !_dataHint) return ReadResult.WouldBlock;
            _dataHint = false;
            _plain ??= ArrayPool<byte>.Shared.Rent(PlainBufferSize);
            _readInFlight = true;
            var read = _ssl.ReadAsync(_plain.AsMemory());
            if (!read.IsCompleted)
            {
                _ = PlainReadLater(read);
                return ReadResult.WouldBlock;
            }
            PlainRead(read);
            return _plainEnd > _plainStart ? CopyPlain(buffer)
                : _readError != SocketError.Success ? ReadResult.Failure(_readError)
                : _eof ? ReadResult.EndOfStream : ReadResult.WouldBlock;
        }
    }

    private async Task PlainReadLater(ValueTask<int> read)
    {
        int? n = null;
        Exception? error = null;
        try
        {
            n = await read.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or AuthenticationException or ObjectDisposedException or OperationCanceledException
                                       or InvalidOperationException)
        {
            error = e;
        }
        lock (_gate)
        {
            Book(n, error);
            if (!_ownerWaiting) return;
            _ownerWaiting = false;
        }
        _owner.Tell(TransportSignal.Readable.Instance, ActorRefs.NoSender);
    }

    // Under the lock: a read that completed at once.
    private void PlainRead(ValueTask<int> read)
    {
        try
        {
            Book(read.Result, null);
        }
        catch (Exception e) when (e is IOException or AuthenticationException or ObjectDisposedException or InvalidOperationException)
        {
            Book(null, e);
        }
    }

    // Under the lock: the outcome of a plaintext read.
    private void Book(int? bytes, Exception? error)
    {
        _readInFlight = false;
        if (error is not null) _readError = ErrorOf(error);
        else if (bytes == 0) _eof = true; // close_notify, or the peer's FIN
        else
        {
            _plainStart = 0;
            _plainEnd = bytes!.Value;
        }
        if (_plainEnd == _plainStart) ReleasePlain();
    }

    private ReadResult CopyPlain(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _plainEnd - _plainStart);
        _plain.AsSpan(_plainStart, n).CopyTo(buffer);
        _plainStart += n;
        var empty = _plainStart == _plainEnd;
        if (empty) ReleasePlain();
        // Drained: the owner waits again, and a zero-byte read says at once whether SslStream holds more.
        return new ReadResult(n, SocketError.Success, empty);
    }

    private void ReleasePlain()
    {
        _plainStart = _plainEnd = 0;
        if (_plain is null || _readInFlight) return;
        ArrayPool<byte>.Shared.Return(_plain);
        _plain = null;
    }

    // Plaintext goes out asynchronously only: encrypting is SslStream's, and it wants to finish a record.
    public int TrySend(ReadOnlySpan<byte> data, out SocketError error)
    {
        if (_direct is not null)
        {
            var taken = _direct.TrySend(data, out error);
            if (taken > 0 && _nagleAfterFirstWrite) NagleAfterFirstWrite();
            return taken;
        }
        error = SocketError.WouldBlock;
        return 0;
    }

    public void SendAsync(ReadOnlyMemory<byte> data)
    {
        if (_direct is not null)
        {
            _direct.SendAsync(data);
            if (_nagleAfterFirstWrite) NagleAfterFirstWrite();
            return;
        }
        _ = Send(data);
    }

    private async Task Send(ReadOnlyMemory<byte> data)
    {
        object signal;
        try
        {
            await _ssl.WriteAsync(data).ConfigureAwait(false);
            if (_nagleAfterFirstWrite) NagleAfterFirstWrite();
            signal = new TransportSignal.Sent(data.Length);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or NotSupportedException)
        {
            signal = new TransportSignal.Failed(ErrorOf(e), "write");
        }
        _owner.Tell(signal, ActorRefs.NoSender);
    }

    // Our side ends: close_notify, then FIN. Nothing is being written (the socket actor ends only with its queue empty).
    public SocketError ShutdownSend()
    {
        if (_direct is not null) return _direct.ShutdownSend();
        _ = CloseNotifyThenFin();
        return SocketError.Success;
    }

    private async Task CloseNotifyThenFin()
    {
        try
        {
            await _ssl.ShutdownAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection failed meanwhile; the read side reports it.
        }
        _cipher.With(static c => c.ShutdownSend());
    }

    public void Close()
    {
        if (_direct is not null)
        {
            _direct.Close();
            return;
        }
        _cipher.With(static c =>
        {
            c.Close();
            return 0;
        });
        Dispose();
    }

    public void Abort()
    {
        if (_direct is not null)
        {
            _direct.Abort();
            return;
        }
        _cipher.With(static c =>
        {
            c.Abort();
            return 0;
        });
        Dispose();
    }

    private void Dispose()
    {
        _cipher.Fail(SocketError.OperationAborted);
        _ssl.Dispose();
    }

    public NetError? SetKeepAlive(KeepAliveOptions keepAlive) => _cipher.With(c => c.SetKeepAlive(keepAlive));

    public NetError? SetNoDelay(bool noDelay) => _cipher.With(c =>
    {
        _nagleAfterFirstWrite = false; // the owner's choice from now on
        return c.SetNoDelay(noDelay);
    });

    // The handshake turned TCP_NODELAY on (TlsHandshake.NoDelayUntilFirstWrite): TLS 1.3's session tickets follow the
    // client's Finished, so with Nagle's algorithm the first reply would wait behind them for the client's delayed
    // ACK (40 ms). Once that reply is out, the socket is as its owner configured it: Nagle on unless it set no-delay.
    private void NagleAfterFirstWrite() => _cipher.With(c =>
    {
        if (!_nagleAfterFirstWrite) return 0;
        _nagleAfterFirstWrite = false;
        c.SetNoDelay(false); // best effort: a connection that failed meanwhile reports that on its own
        return 0;
    });

    public SocketError ProbeReset() => _cipher.With(static c => c.ProbeReset());

    /// <summary>The socket error behind an exception from SslStream; a TLS protocol error counts as a reset.</summary>
    internal static SocketError ErrorOf(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
            if (inner is SocketException socket) return socket.SocketErrorCode;
        return e is ObjectDisposedException ? SocketError.OperationAborted : SocketError.ConnectionReset;
    }
}
