using System.Collections.Concurrent;
using System.Net;
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
    : ITransportListener
{
    private readonly ILoggingAdapter _log = Logging.GetLogger(system, "ActorNet.Tls");
    private readonly ConcurrentDictionary<ITransportConnection, CancellationTokenSource> _handshaking = new();
    private IActorRef _connections = ActorRefs.Nobody;
    private volatile bool _closed;

    public EndPoint LocalEndPoint => inner.LocalEndPoint;

    public void StartAccepting(IActorRef connections, IActorRef errors)
    {
        _connections = connections;
        inner.StartAccepting(new SignalSink(system.Provider, OnAccepted), errors);
    }

    public void ResumeAccepting() => inner.ResumeAccepting();

    public void Close()
    {
        _closed = true;
        inner.Close();
        // Handshakes still running would hand their connections to a server that is gone.
        foreach (var cancel in _handshaking.Values) cancel.Cancel();
    }

    public void Drained() => inner.Drained();

    private void OnAccepted(object message)
    {
        if (message is not TransportAccepted accepted) return;
        _ = Handshake(accepted.Connection);
    }

    private async Task Handshake(ITransportConnection connection)
    {
        using var cancel = new CancellationTokenSource(options.HandshakeTimeout);
        _handshaking[connection] = cancel;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        metrics.TlsHandshakeStarted();
        string? failure = null;
        var errorType = "server-closed";
        TlsConnection? secured = null;
        try
        {
            secured = await TlsHandshake.AcceptAsync(connection, options, system.Provider, cancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            failure = _closed ? "the server closed" : $"not finished within {options.HandshakeTimeout.TotalSeconds:0.###} s";
            if (!_closed) errorType = "timeout";
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
        finally
        {
            _handshaking.TryRemove(connection, out _);
        }
        if (secured is not null && !_closed)
        {
            metrics.TlsHandshakeSucceeded(started, secured.Info.Protocol);
            _connections.Tell(new TransportAccepted(secured));
            return;
        }
        if (secured is not null) secured.Close();
        else connection.Abort();
        metrics.TlsHandshakeFailed(errorType);
        _log.Info("TLS handshake failed from {RemoteEndPoint}: {Reason}", connection.RemoteEndPoint, failure ?? "the server closed");
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
