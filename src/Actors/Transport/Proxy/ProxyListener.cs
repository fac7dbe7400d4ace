using System.Collections.Concurrent;
using System.Net;
using Akka.Actor;
using Akka.Event;
using ActorNet.Diagnostics;
using ActorNet.Options;

namespace ActorNet.Transport.Proxy;

/// <summary>
/// A listener whose connections are handed on only after their PROXY header: the header is read asynchronously per
/// connection (no thread held), bounded by the header timeout, and the connection goes on with the header's client as
/// its peer. It sits right on the transport, under TLS, because a proxy sends the header before the ClientHello.
/// A connection without a valid header is reset (only that one), counted under its reason, and logged in one Info line.
/// </summary>
internal sealed class ProxyListener(ITransportListener inner, ProxyProtocolMode mode, TimeSpan headerTimeout, ExtendedActorSystem system,
    ServerMetrics metrics)
    : ITransportListener
{
    private readonly ILoggingAdapter _log = Logging.GetLogger(system, "ActorNet.Proxy");
    private readonly ConcurrentDictionary<ITransportConnection, CancellationTokenSource> _reading = new();
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
        // Headers still being read would hand their connections to a server that is gone.
        foreach (var cancel in _reading.Values)
        {
            try
            {
                cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // That read ended meanwhile and its connection went on (the supervisor, draining, closes it).
            }
        }
    }

    public void Drained() => inner.Drained();

    private void OnAccepted(object message)
    {
        if (message is not TransportAccepted accepted) return;
        _ = ReadHeader(accepted.Connection);
    }

    private async Task ReadHeader(ITransportConnection connection)
    {
        using var cancel = new CancellationTokenSource(headerTimeout);
        _reading[connection] = cancel;
        ProxyOutcome outcome;
        try
        {
            outcome = await ProxyHeaderReader.ReadAsync(connection, mode == ProxyProtocolMode.Optional, system.Provider, cancel.Token)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            outcome = new ProxyOutcome.Rejected(ProxyOutcome.Timeout, $"no whole header within {headerTimeout.TotalSeconds:0.###} s");
        }
        finally
        {
            _reading.TryRemove(connection, out _);
        }
        if (_closed)
        {
            connection.Abort();
            return;
        }
        switch (outcome)
        {
            case ProxyOutcome.Accepted accepted:
                _connections.Tell(new TransportAccepted(accepted.Connection), ActorRefs.NoSender);
                break;
            case ProxyOutcome.Rejected rejected:
                // Reset, not FIN: the peer's bytes are unread (a close would reset anyway), and a client that is no
                // proxy gets no orderly end to wait for. The server keeps no TIME_WAIT for it either.
                connection.Abort();
                metrics.ProxyHeaderRejected(rejected.Reason);
                _log.Info("PROXY header rejected from {RemoteEndPoint} ({Reason}): {Detail}", connection.RemoteEndPoint, rejected.Reason,
                    rejected.Detail);
                break;
        }
    }
}
