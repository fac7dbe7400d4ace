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
    : StagedListener(inner, system)
{
    private readonly ILoggingAdapter _log = Logging.GetLogger(system, "ActorNet.Proxy");

    protected override TimeSpan StageTimeout => headerTimeout;

    protected override async Task<ITransportConnection?> RunStageAsync(ITransportConnection connection, CancellationToken cancel)
    {
        ProxyOutcome outcome;
        try
        {
            outcome = await ProxyHeaderReader.ReadAsync(connection, mode == ProxyProtocolMode.Optional, Provider, cancel)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!Closed)
        {
            outcome = new ProxyOutcome.Rejected(ProxyOutcome.Timeout, $"no whole header within {headerTimeout.TotalSeconds:0.###} s");
        }
        catch (OperationCanceledException)
        {
            connection.Abort();
            return null;
        }
        switch (outcome)
        {
            case ProxyOutcome.Accepted accepted:
                return accepted.Connection;
            case ProxyOutcome.Rejected when Closed:
                connection.Abort();
                return null;
            case ProxyOutcome.Rejected rejected:
                // Reset, not FIN: the peer's bytes are unread (a close would reset anyway), and a client that is no
                // proxy gets no orderly end to wait for. The server keeps no TIME_WAIT for it either.
                connection.Abort();
                metrics.ProxyHeaderRejected(rejected.Reason);
                _log.Info("PROXY header rejected from {RemoteEndPoint} ({Reason}): {Detail}", connection.RemoteEndPoint, rejected.Reason,
                    rejected.Detail);
                return null;
            default:
                throw new InvalidOperationException($"unknown PROXY outcome {outcome.GetType().Name}");
        }
    }
}
