using System.Security.Authentication;
using Akka.Actor;
using Akka.Event;
using ActorNet.Diagnostics;
using ActorNet.Options;

namespace ActorNet.Transport.Tls;

/// <summary>
/// A listener whose connections are handed on only after their TLS handshake: the handshake runs asynchronously per
/// connection (no thread held), bounded by the handshake timeout. A failed handshake closes only that connection,
/// is counted, and is logged in one Info line with the reason (a port scan must not flood the log).
/// </summary>
internal sealed class TlsListener(ITransportListener inner, TlsServerOptions options, ExtendedActorSystem system, ServerMetrics metrics)
    : StagedListener(inner, system)
{
    private readonly ILoggingAdapter _log = Logging.GetLogger(system, "ActorNet.Tls");

    protected override TimeSpan StageTimeout => options.HandshakeTimeout;

    protected override async Task<ITransportConnection?> RunStageAsync(ITransportConnection connection, CancellationToken cancel)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        metrics.TlsHandshakeStarted();
        string failure;
        string errorType;
        try
        {
            var secured = await TlsHandshake.AcceptAsync(connection, options, Provider, cancel).ConfigureAwait(false);
            metrics.TlsHandshakeSucceeded(started, secured.Info.Protocol);
            return secured;
        }
        catch (OperationCanceledException) when (Closed)
        {
            // Dropped like a connection not yet accepted; counted, not logged (a closing server may have many).
            connection.Abort();
            metrics.TlsHandshakeFailed("server-closed");
            return null;
        }
        catch (OperationCanceledException)
        {
            failure = $"not finished within {options.HandshakeTimeout.TotalSeconds:0.###} s";
            errorType = "timeout";
        }
        catch (AuthenticationException e)
        {
            failure = Reason(e);
            errorType = e.GetType().FullName!;
        }
        catch (IOException e)
        {
            failure = e.Message;
            errorType = e.GetType().FullName!;
        }
        connection.Abort();
        metrics.TlsHandshakeFailed(errorType);
        _log.Info("TLS handshake failed from {RemoteEndPoint}: {Reason}", connection.RemoteEndPoint, failure);
        return null;
    }

    // Every message of the chain but "see inner exception": OpenSSL's own reason (e.g. "unsupported protocol") is
    // the innermost one.
    private static string Reason(Exception e)
    {
        var parts = new List<string>();
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x.Message.Length > 0 && !x.Message.Contains("see inner exception", StringComparison.OrdinalIgnoreCase))
                parts.Add(x.Message.ReplaceLineEndings(" ").TrimEnd('.'));
        return parts.Count > 0 ? string.Join(": ", parts) : e.Message;
    }
}
