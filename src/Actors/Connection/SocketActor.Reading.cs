using System.Net.Sockets;

namespace ActorNet.Connection;

/// <summary>
/// The read pump: one readiness wait at a time; on <see cref="Protocol.TransportSignal.Readable"/> it reads
/// synchronously into a per-thread buffer and turns each read into a Received or PeerClosed transition in place
/// (no extra mailbox hop), until the transport says the connection is drained, the socket pauses, or the turn's
/// budget is spent.
/// </summary>
internal sealed partial class SocketActor
{
    // One read takes up to 256 KiB (a per-thread buffer): streaming 64 KiB writes, 256 KiB reads cost the server
    // 25-30 % less CPU per MB than 64 KiB reads (bench/README.md). MaxReadsPerTurn reads (1 MiB) are done in one
    // message before yielding to the mailbox and to the other connections on this thread.
    internal const int ReadBufferSize = 256 * 1024;
    private const int MaxReadsPerTurn = 4;

    [ThreadStatic] private static byte[]? t_readBuffer;

    private long _bytesRead;
    private bool _readArmed;
    private bool _inReadLoop;

    public long BytesRead => _bytesRead;

    private bool CanRead => _life == Lifecycle.Open && _read == ReadSide.Flowing;

    private void ArmRead()
    {
        // Never a synchronous read while a wait is outstanding: the transport keeps one operation at a time.
        if (_readArmed || _inReadLoop || !CanRead) return;
        _readArmed = true;
        _connection.WaitReadable();
    }

    private void OnReadable()
    {
        _readArmed = false;
        if (!CanRead) return;
        var buffer = t_readBuffer ??= new byte[ReadBufferSize];
        _inReadLoop = true;
        try
        {
            for (var reads = 0; CanRead; reads++)
            {
                if (reads == MaxReadsPerTurn)
                {
                    // Fairness: let the mailbox (and other connections on this thread) run first.
                    _readArmed = true;
                    Self.Tell(Protocol.TransportSignal.Readable.Instance, Self);
                    return;
                }
                var result = _connection.TryReceive(buffer);
                if (result.Error == SocketError.WouldBlock) break;
                if (result.Error != SocketError.Success)
                {
                    OnFailed(result.Error, "read");
                    return;
                }
                if (result.Bytes == 0)
                {
                    OnPeerClosed();
                    return;
                }
                OnReceived(new ReadOnlySpan<byte>(buffer, 0, result.Bytes));
                if (result.Drained) break;
            }
        }
        finally
        {
            _inReadLoop = false;
        }
        ArmRead();
    }
}
