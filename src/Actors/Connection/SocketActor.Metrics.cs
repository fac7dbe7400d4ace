using System.Diagnostics;
using ActorNet.Diagnostics;
using ActorNet.Protocol;

namespace ActorNet.Connection;

/// <summary>
/// What a server-side socket records in <see cref="ActorNetMetrics"/>: bytes as they go (once per message, never per
/// read) and, at the close, its duration tagged with how it closed. Client sockets have no <see cref="ServerMetrics"/>
/// and record nothing.
/// </summary>
internal sealed partial class SocketActor
{
    // Taken when the actor is made: the connection was accepted (and any TLS handshake done) just before.
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private long _bytesReadReported;
    private long _bytesWrittenReported;
    // The first cause of the end (End, the peer's FIN, the idle timeout, the drain); null until one happens.
    private CloseReason? _closeCause;
    private bool _inTimeoutCallback;

    private ServerMetrics? Metrics => _settings.Metrics;

    private CloseReason LocalCause => _inTimeoutCallback ? CloseReason.Timeout : CloseReason.End;

    private void ReportIo()
    {
        if (_bytesRead != _bytesReadReported)
        {
            Metrics!.Received(_bytesRead - _bytesReadReported);
            _bytesReadReported = _bytesRead;
        }
        if (_bytesWritten != _bytesWrittenReported)
        {
            Metrics!.Transmitted(_bytesWritten - _bytesWrittenReported);
            _bytesWrittenReported = _bytesWritten;
        }
    }

    // An error decides the reason (a reset is a reset whatever began the end); otherwise the first cause, or ours.
    private void RecordClose(NetError? error)
    {
        ReportIo();
        var reason = error is null ? _closeCause ?? LocalCause
            : error.Code == "ECONNRESET" ? CloseReason.Reset
            : CloseReason.Error;
        Metrics!.Closed(_startedAt, reason, error?.Code);
    }

    // Stopped without a close (a handler threw, or the ActorSystem stopped): reset, with no NetError to name
    // (semantic conventions' fallback value).
    private void RecordFailure()
    {
        if (Metrics is not { } metrics) return;
        ReportIo();
        metrics.Closed(_startedAt, CloseReason.Error, "_OTHER");
    }
}
