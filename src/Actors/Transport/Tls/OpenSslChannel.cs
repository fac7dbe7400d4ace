using System.Buffers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Akka.Actor;
using ActorNet.Protocol;

namespace ActorNet.Transport.Tls;

/// <summary>
/// A TLS connection's records after the handshake, read and written straight on the <c>SSL*</c> that
/// <see cref="System.Net.Security.SslStream"/> negotiated: ciphertext from the transport goes into its memory BIO and
/// <c>SSL_read</c> decrypts into the socket actor's own buffer; <c>SSL_write</c> encrypts from the actor's span and
/// what lands in the output BIO goes to the transport at once. No stream, task or message per record: about half the
/// CPU that SslStream's path spends around OpenSSL, and a write that the kernel takes needs no <c>Sent</c>.
/// </summary>
/// <remarks>
/// Every call on the SSL object and the transport connection is made under the cipher stream's lock (the socket
/// actor's thread and, for a send that waited, the transport's). OpenSSL cannot take back a record it encrypted, so
/// a write is accepted whole and what the kernel did not take waits here (at most one record's worth for
/// <see cref="TrySend"/>), ahead of anything written, ended or closed after it.
/// </remarks>
internal sealed unsafe class OpenSslChannel
{
    // SSL_write takes at most one record's plaintext at a time, so the output BIO never holds more than one record.
    private const int RecordPlaintext = 16 * 1024;
    // A receive takes up to a full record into the input BIO (which keeps the size it grew to).
    private const int ReceiveSize = RecordPlaintext + 512;
    private const int ScratchSize = 64 * 1024;
    // A graceful close waits at most this long for the ciphertext still queued here, then resets.
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(30);

    [ThreadStatic] private static byte[]? t_scratch;

    private readonly ITransportConnection _inner;
    private readonly object _gate;
    private readonly SafeHandle _context;
    private readonly IntPtr _ssl;
    private readonly IntPtr _rbio;
    private readonly IntPtr _wbio;
    private IActorRef _owner = ActorRefs.Nobody;
    private bool _released;

    // Reading: whether the SSL object may hold bytes to decrypt, whether the transport was emptied, and the end.
    private bool _sslMayHaveData;
    private bool _innerDrained;
    private bool _eof;
    private SocketError _readError;
    private int _signalledError; // a SocketError the transport signalled (any thread)

    // Writing: ciphertext the kernel did not take yet, whether it is being sent, and what waits behind it.
    private byte[]? _backlog;
    private int _backlogStart;
    private int _backlogEnd;
    private bool _backlogInFlight;
    private bool _pumping;
    private SocketError _writeError;
    private ReadOnlyMemory<byte> _deferred; // a SendAsync's plaintext not encrypted yet
    private int _owed;                      // a SendAsync's plaintext encrypted, whose ciphertext is not all out
    private int _report;                    // finished SendAsync bytes to tell the owner as Sent
    private SocketError _failure;           // a write failure to tell the owner (once, outside the lock)
    private bool _failureTold;
    private bool _shutdownPending;
    private bool _finPending;
    private bool _closePending;
    private bool _closed;
    private Timer? _closeGrace;

    private OpenSslChannel(ITransportConnection inner, object gate, SafeHandle context, IntPtr ssl, IntPtr rbio, IntPtr wbio)
    {
        _inner = inner;
        _gate = gate;
        _context = context;
        _ssl = ssl;
        _rbio = rbio;
        _wbio = wbio;
    }

    /// <summary>
    /// Takes the records of <paramref name="ssl"/> over after its handshake, or null where that cannot be done (see
    /// <see cref="OpenSslBuffers"/>: Linux, .NET 10, one OpenSSL 3), in which case SslStream goes on as before.
    /// </summary>
    public static OpenSslChannel? TryTakeOver(CipherStream cipher, System.Net.Security.SslStream ssl)
    {
        if (OpenSslBuffers.Context(ssl) is not { } context) return null;
        var added = false;
        context.DangerousAddRef(ref added);
        if (!added) return null;
        var handle = context.DangerousGetHandle();
        var (rbio, wbio) = (OpenSslNative.SSL_get_rbio(handle), OpenSslNative.SSL_get_wbio(handle));
        // The handshake's output all went out (SslStream flushes it before the handshake completes).
        if (rbio == IntPtr.Zero || wbio == IntPtr.Zero || OpenSslNative.Pending(wbio) != 0)
        {
            context.DangerousRelease();
            return null;
        }
        // SslStream handled a renegotiation itself; without it OpenSSL would run one inside SSL_read, unbounded
        // (a full handshake per request) and with callbacks into the disposed stream. TLS 1.3 has none.
        OpenSslNative.SSL_set_options(handle, OpenSslNative.NoRenegotiation);
        var channel = new OpenSslChannel(cipher.Inner, cipher.Gate, context, handle, rbio, wbio);
        if (!cipher.HandOver(channel.OnSignal, channel.Feed, out var end))
        {
            context.DangerousRelease();
            return null;
        }
        channel._eof = end && OpenSslNative.Pending(rbio) == 0;
        return channel;
    }

    public void Attach(IActorRef owner) => _owner = owner;

    // Under the lock: ciphertext into the input BIO.
    private bool Feed(ReadOnlySpan<byte> cipher)
    {
        fixed (byte* p = cipher)
            if (OpenSslNative.BIO_write(_rbio, p, cipher.Length) != cipher.Length) return false;
        _sslMayHaveData = true;
        return true;
    }

    // The transport's signals, on its thread. Readable and Failed go on to the owner; Sent is a backlog's.
    private void OnSignal(object signal)
    {
        switch (signal)
        {
            case TransportSignal.Sent sent:
                // Never under the transport's own locks (the in-memory pair signals while it holds them): only an I/O
                // thread's delivery continues here; any other goes through the thread pool.
                if (IoThreadScope.IsActive) OnSent(sent.Bytes);
                else ThreadPool.UnsafeQueueUserWorkItem(static s => s.Channel.OnSent(s.Bytes), (Channel: this, sent.Bytes), preferLocal: false);
                break;
            case TransportSignal.Failed failed:
                Interlocked.CompareExchange(ref _signalledError, (int)failed.Error, (int)SocketError.Success);
                _owner.Tell(signal, ActorRefs.NoSender);
                // A send that failed is over: what waits behind it is dropped, and a close waiting for it happens now.
                if (failed.Syscall != "write") break;
                if (IoThreadScope.IsActive) OnSent(0);
                else ThreadPool.UnsafeQueueUserWorkItem(static c => c.OnSent(0), this, preferLocal: false);
                break;
            default:
                _owner.Tell(signal, ActorRefs.NoSender);
                break;
        }
    }

    private void OnSent(int bytes)
    {
        Outcome outcome;
        lock (_gate)
        {
            if (_closed) return;
            _backlogInFlight = false;
            _backlogStart += bytes;
            if (_backlogStart >= _backlogEnd) ReturnBacklog();
            if (_pumping) return; // sent at once, inside a Pump that goes on
            Pump();
            outcome = TakeOutcome();
        }
        Tell(outcome);
    }

    /// <summary>See <see cref="ITransportConnection.WaitReadable"/>.</summary>
    public void WaitReadable()
    {
        lock (_gate)
        {
            if (_closed) return;
            if (!_sslMayHaveData && !_eof && _readError == SocketError.Success && SignalledError == SocketError.Success)
            {
                _inner.WaitReadable();
                return;
            }
        }
        _owner.Tell(TransportSignal.Readable.Instance, ActorRefs.NoSender);
    }

    /// <summary>See <see cref="ITransportConnection.TryReceive"/>: decrypts as many records as fit, at most one receive(2) short of drained.</summary>
    public ReadResult TryReceive(Span<byte> buffer)
    {
        ReadResult result;
        Outcome outcome;
        lock (_gate)
        {
            if (_closed) return ReadResult.Failure(SocketError.OperationAborted);
            var total = Receive(buffer);
            result = total > 0 ? new ReadResult(total, SocketError.Success, !_sslMayHaveData && _innerDrained)
                : _readError != SocketError.Success ? ReadResult.Failure(_readError)
                : _eof ? ReadResult.EndOfStream : ReadResult.WouldBlock;
            // A read may have an answer to send (a key update, a refused renegotiation).
            if (OpenSslNative.Pending(_wbio) > 0) Pump();
            outcome = TakeOutcome();
        }
        Tell(outcome);
        return result;
    }

    // Under the lock: plaintext bytes decrypted into the buffer; 0 with _eof, _readError or nothing there yet.
    private int Receive(Span<byte> buffer)
    {
        if (_readError == SocketError.Success && SignalledError is var signalled and not SocketError.Success) _readError = signalled;
        if (_eof || _readError != SocketError.Success || _closed) return 0;
        var total = 0;
        var fed = false;
        while (true)
        {
            while (_sslMayHaveData && total < buffer.Length)
            {
                var n = Decrypt(buffer[total..]);
                if (n == 0) break;
                total += n;
                if (OpenSslNative.SSL_pending(_ssl) == 0 && OpenSslNative.Pending(_rbio) == 0) _sslMayHaveData = false;
            }
            if (_eof || _readError != SocketError.Success || total == buffer.Length) return total;
            // The socket was emptied by this call's receive (or, with data in hand, maybe by an earlier one): a receive
            // now would find nothing; the owner waits for Readable.
            if ((total > 0 || fed) && _innerDrained) return total;
            if (total > 0 && buffer.Length - total < RecordPlaintext) return total;
            var scratch = t_scratch ??= new byte[ScratchSize];
            var result = _inner.TryReceive(scratch.AsSpan(0, ReceiveSize));
            if (result.Error == SocketError.WouldBlock)
            {
                _innerDrained = true;
                return total;
            }
            if (result.Error != SocketError.Success)
            {
                _readError = result.Error;
                return total;
            }
            if (result.Bytes == 0)
            {
                // The peer's FIN without close_notify ends the stream, as in Node, unless it cuts a record in two
                // (the part OpenSSL already took from the BIO waits in its record layer: SSL_has_pending).
                if (OpenSslNative.Pending(_rbio) > 0 || OpenSslNative.SSL_has_pending(_ssl) != 0) _readError = SocketError.ConnectionReset;
                else _eof = true;
                return total;
            }
            _innerDrained = result.Drained;
            fed = true;
            if (!Feed(scratch.AsSpan(0, result.Bytes)))
            {
                _readError = SocketError.ConnectionReset;
                return total;
            }
        }
    }

    // Under the lock: one SSL_read; 0 when it needs more ciphertext (or met the end, or failed).
    private int Decrypt(Span<byte> into)
    {
        fixed (byte* p = into)
        {
            var n = OpenSslNative.SSL_read(_ssl, p, into.Length);
            if (n > 0) return n;
            var error = OpenSslNative.SSL_get_error(_ssl, n);
            if (error is OpenSslNative.ErrorSsl or OpenSslNative.ErrorSyscall)
            {
                // The thread's error queue may hold an error someone else left there, which SSL_get_error reports
                // instead of a plain "want read": clear it and ask once more. A real failure fails again.
                OpenSslNative.ERR_clear_error();
                n = OpenSslNative.SSL_read(_ssl, p, into.Length);
                if (n > 0) return n;
                error = OpenSslNative.SSL_get_error(_ssl, n);
            }
            _sslMayHaveData = false;
            switch (error)
            {
                case OpenSslNative.ErrorWantRead:
                    break;
                case OpenSslNative.ErrorZeroReturn:
                    _eof = true; // close_notify
                    break;
                default:
                    OpenSslNative.ERR_clear_error();
                    _readError = SocketError.ConnectionReset; // a TLS protocol error counts as a reset
                    break;
            }
            return 0;
        }
    }

    /// <summary>See <see cref="ITransportConnection.TrySend"/>: every byte taken is encrypted; its ciphertext is in the kernel or queued here.</summary>
    public int TrySend(ReadOnlySpan<byte> data, out SocketError error)
    {
        int taken;
        Outcome outcome;
        lock (_gate)
        {
            taken = Send(data, out error);
            outcome = TakeOutcome();
        }
        Tell(outcome);
        return taken;
    }

    // Under the lock.
    private int Send(ReadOnlySpan<byte> data, out SocketError error)
    {
        error = WriteError;
        if (error != SocketError.Success) return 0;
        if (Busy)
        {
            error = SocketError.WouldBlock;
            return 0;
        }
        var taken = 0;
        while (taken < data.Length)
        {
            var piece = Math.Min(RecordPlaintext, data.Length - taken);
            if (!Encrypt(data.Slice(taken, piece)))
            {
                error = _writeError;
                return taken;
            }
            taken += piece;
            if (!FlushDirect(out error)) return taken;
        }
        return taken;
    }

    // Ciphertext queued, being sent, or behind them: a new write waits its turn.
    private bool Busy => _backlogInFlight || _backlogEnd > _backlogStart || !_deferred.IsEmpty || _owed > 0
                         || _shutdownPending || _finPending || _closePending || _closed;

    private SocketError WriteError
    {
        get
        {
            if (_writeError == SocketError.Success && SignalledError is var signalled and not SocketError.Success) _writeError = signalled;
            return _closed && _writeError == SocketError.Success ? SocketError.OperationAborted : _writeError;
        }
    }

    private SocketError SignalledError => (SocketError)Volatile.Read(ref _signalledError);

    // Under the lock: one SSL_write of at most a record.
    private bool Encrypt(ReadOnlySpan<byte> plain)
    {
        fixed (byte* p = plain)
        {
            if (OpenSslNative.SSL_write(_ssl, p, plain.Length) == plain.Length) return true;
            OpenSslNative.ERR_clear_error();
            _writeError = SocketError.ConnectionReset;
            return false;
        }
    }

    // Under the lock, with nothing queued: the output BIO to the kernel through the thread's scratch buffer; false
    // when an error stopped it (error set) or the kernel left some (queued and being sent).
    private bool FlushDirect(out SocketError error)
    {
        error = SocketError.Success;
        var scratch = t_scratch ??= new byte[ScratchSize];
        while (OpenSslNative.Pending(_wbio) is var pending and > 0)
        {
            int n;
            fixed (byte* p = scratch) n = OpenSslNative.BIO_read(_wbio, p, Math.Min(pending, scratch.Length));
            var sent = _inner.TrySend(scratch.AsSpan(0, n), out var sendError);
            if (sendError == SocketError.WouldBlock) sent = 0;
            else if (sendError != SocketError.Success)
            {
                error = _writeError = sendError;
                return false;
            }
            if (sent < n)
            {
                Queue(scratch.AsSpan(sent, n - sent));
                QueueOutput();
                Pump();
                return false;
            }
        }
        return true;
    }

    /// <summary>See <see cref="ITransportConnection.SendAsync"/>: Sent follows once all its ciphertext is in the kernel.</summary>
    public void SendAsync(ReadOnlyMemory<byte> data)
    {
        Outcome outcome;
        SocketError error;
        lock (_gate)
        {
            error = WriteError;
            if (error == SocketError.Success)
            {
                _deferred = data;
                Pump();
            }
            outcome = TakeOutcome();
        }
        if (error != SocketError.Success) _owner.Tell(new TransportSignal.Failed(error, "write"), ActorRefs.NoSender);
        Tell(outcome);
    }

    /// <summary>See <see cref="ITransportConnection.ShutdownSend"/>: close_notify, then FIN, after what is queued.</summary>
    public SocketError ShutdownSend()
    {
        lock (_gate)
        {
            if (_closed || _shutdownPending || _finPending) return SocketError.Success;
            _shutdownPending = true;
            Pump();
        }
        return SocketError.Success;
    }

    /// <summary>
    /// See <see cref="ITransportConnection.Close"/>: the ciphertext already made goes out first, within
    /// <see cref="CloseGrace"/>, as the kernel sends what it holds after close(2). A SendAsync's plaintext not encrypted
    /// yet is dropped, as Node drops the writes queued in user space on destroy.
    /// </summary>
    public void Close()
    {
        lock (_gate)
        {
            if (_closed || _closePending) return;
            _deferred = ReadOnlyMemory<byte>.Empty;
            _owed = 0;
            if (WriteError != SocketError.Success)
            {
                CloseNow(abort: true);
                return;
            }
            if (_backlogInFlight || _backlogEnd > _backlogStart || _shutdownPending || _finPending)
            {
                _closePending = true;
                _closeGrace = new Timer(static c => ((OpenSslChannel)c!).Abort(), this, CloseGrace, Timeout.InfiniteTimeSpan);
                return;
            }
            CloseNow(abort: false);
        }
    }

    /// <summary>See <see cref="ITransportConnection.Abort"/>: what is queued is dropped.</summary>
    public void Abort()
    {
        lock (_gate)
        {
            if (!_closed) CloseNow(abort: true);
        }
    }

    // Under the lock: closes the connection underneath and lets the SSL object go; an abort drops what waits here.
    private void CloseNow(bool abort)
    {
        _closed = true;
        _closePending = false;
        _closeGrace?.Dispose();
        // A buffer being sent is not returned to the pool: the transport may still read it.
        if (!_backlogInFlight) ReturnBacklog();
        _backlog = null;
        _backlogStart = _backlogEnd = 0;
        _deferred = ReadOnlyMemory<byte>.Empty;
        _owed = 0;
        if (abort) _inner.Abort();
        else _inner.Close();
        Release();
    }

    // Under the lock: moves everything queued along as far as the kernel takes it, in order: ciphertext waiting, the
    // output BIO, a SendAsync's plaintext (a record at a time), close_notify, FIN, close.
    private void Pump()
    {
        _pumping = true;
        try
        {
            while (!_closed && WriteError == SocketError.Success)
            {
                if (_backlogInFlight) return;
                if (_backlogEnd > _backlogStart)
                {
                    SendBacklog();
                    continue;
                }
                if (OpenSslNative.Pending(_wbio) > 0)
                {
                    QueueOutput();
                    continue;
                }
                if (!_deferred.IsEmpty)
                {
                    var piece = Math.Min(RecordPlaintext, _deferred.Length);
                    if (!Encrypt(_deferred.Span[..piece])) break;
                    _deferred = _deferred[piece..];
                    _owed += piece;
                    continue;
                }
                _report += _owed;
                _owed = 0;
                if (_shutdownPending)
                {
                    _shutdownPending = false;
                    _finPending = true;
                    // .NET creates its SSL objects with quiet shutdown (no close_notify; SslStream turns it off for
                    // ShutdownAsync): off, or SSL_shutdown would send nothing and take the peer's data as ended.
                    OpenSslNative.SSL_set_quiet_shutdown(_ssl, 0);
                    if (OpenSslNative.SSL_shutdown(_ssl) < 0) OpenSslNative.ERR_clear_error(); // the read side reports a failure
                    continue;
                }
                if (_finPending)
                {
                    _finPending = false;
                    _inner.ShutdownSend();
                }
                if (_closePending) CloseNow(abort: false);
                return;
            }
            if (_closed) return;
            // Failed: a SendAsync still owed hears of it (once); a close waiting for the queue happens now.
            if ((!_deferred.IsEmpty || _owed > 0) && !_failureTold)
            {
                _failureTold = true;
                _failure = WriteError;
            }
            _deferred = ReadOnlyMemory<byte>.Empty;
            _owed = 0;
            if (_closePending) CloseNow(abort: true);
        }
        finally
        {
            _pumping = false;
        }
    }

    // Under the lock, nothing in flight: what the kernel takes now, the rest asynchronously.
    private void SendBacklog()
    {
        var sent = _inner.TrySend(_backlog.AsSpan(_backlogStart, _backlogEnd - _backlogStart), out var error);
        if (error == SocketError.WouldBlock) sent = 0;
        else if (error != SocketError.Success)
        {
            _writeError = error; // Pump tells a SendAsync that waits; TrySend's caller hears it on its next call
            return;
        }
        _backlogStart += sent;
        if (_backlogStart == _backlogEnd)
        {
            ReturnBacklog();
            return;
        }
        _backlogInFlight = true;
        _inner.SendAsync(_backlog.AsMemory(_backlogStart, _backlogEnd - _backlogStart));
    }

    // Under the lock, nothing in flight: the output BIO's ciphertext to the backlog.
    private void QueueOutput()
    {
        var pending = OpenSslNative.Pending(_wbio);
        if (pending <= 0) return;
        Reserve(pending);
        fixed (byte* p = _backlog)
            _backlogEnd += Math.Max(0, OpenSslNative.BIO_read(_wbio, p + _backlogEnd, pending));
    }

    // Under the lock, nothing in flight.
    private void Queue(ReadOnlySpan<byte> cipher)
    {
        Reserve(cipher.Length);
        cipher.CopyTo(_backlog.AsSpan(_backlogEnd));
        _backlogEnd += cipher.Length;
    }

    private void Reserve(int more)
    {
        var length = _backlogEnd - _backlogStart;
        if (_backlog is not null && _backlogEnd + more <= _backlog.Length) return;
        var grown = ArrayPool<byte>.Shared.Rent(length + more);
        if (_backlog is not null)
        {
            _backlog.AsSpan(_backlogStart, length).CopyTo(grown);
            ArrayPool<byte>.Shared.Return(_backlog);
        }
        (_backlog, _backlogStart, _backlogEnd) = (grown, 0, length);
    }

    private void ReturnBacklog()
    {
        if (_backlog is not null) ArrayPool<byte>.Shared.Return(_backlog);
        _backlog = null;
        _backlogStart = _backlogEnd = 0;
    }

    // What a call under the lock has to tell the owner once the lock is let go (an event-loop owner may run inline).
    private readonly record struct Outcome(int Sent, SocketError Failure);

    private Outcome TakeOutcome()
    {
        var outcome = new Outcome(_report, _failure);
        _report = 0;
        _failure = SocketError.Success;
        return outcome;
    }

    private void Tell(Outcome outcome)
    {
        if (outcome.Sent > 0) _owner.Tell(new TransportSignal.Sent(outcome.Sent), ActorRefs.NoSender);
        if (outcome.Failure != SocketError.Success) _owner.Tell(new TransportSignal.Failed(outcome.Failure, "write"), ActorRefs.NoSender);
    }

    // Under the lock, once closed: the SSL object is SslStream's to free from now on.
    private void Release()
    {
        if (_released) return;
        _released = true;
        _context.DangerousRelease();
    }
}
