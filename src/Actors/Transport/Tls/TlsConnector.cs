using System.Net.Sockets;
using Akka.Actor;
using ActorNet.Options;
using ActorNet.Protocol;

namespace ActorNet.Transport.Tls;

/// <summary>
/// A client connection with TLS (Node's <c>tls.connect</c>) on any transport: the transport's connector makes the
/// connection, then the client handshake runs on it, asynchronously (no thread held), and only then does the socket
/// actor hear <see cref="TransportSignal.ConnectSucceeded"/> with a <see cref="TlsConnection"/>. A refused certificate
/// or a failed handshake is <see cref="TransportSignal.ConnectFailed"/> with Node's error, the connection closed.
/// <see cref="ConnectOptions.ConnectTimeout"/> bounds connect and handshake together (ETIMEDOUT).
/// </summary>
internal sealed class TlsConnector(ITransportConnector inner, ConnectOptions options, IActorRefProvider provider) : ITransportConnector
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly CancellationTokenSource _deadline = new();
    private IActorRef _owner = ActorRefs.Nobody;
    private int _cancelled;

    public void Connect(IActorRef owner)
    {
        _owner = owner;
        if (options.ConnectTimeout > TimeSpan.Zero) _deadline.CancelAfter(options.ConnectTimeout);
        inner.Connect(new SignalSink(provider, OnConnectResult));
    }

    public void Cancel()
    {
        if (Interlocked.Exchange(ref _cancelled, 1) != 0) return;
        inner.Cancel();
        _cancel.Cancel(); // a handshake in flight stops; its connection is aborted
    }

    private bool Cancelled => Volatile.Read(ref _cancelled) == 1;

    // The transport's answer, on its thread.
    private void OnConnectResult(object message)
    {
        switch (message)
        {
            case TransportSignal.ConnectSucceeded connected when Cancelled:
                connected.Connection.Abort();
                break;
            case TransportSignal.ConnectSucceeded connected:
                _ = HandshakeAsync(connected.Connection);
                break;
            case TransportSignal.ConnectFailed failed:
                Finish(failed);
                break;
        }
    }

    private async Task HandshakeAsync(ITransportConnection connection)
    {
        object result;
        using var token = CancellationTokenSource.CreateLinkedTokenSource(_cancel.Token, _deadline.Token);
        try
        {
            var secured = await TlsClientHandshake.ConnectAsync(connection, options, provider, token.Token).ConfigureAwait(false);
            if (Cancelled)
            {
                secured.Abort();
                return;
            }
            result = new TransportSignal.ConnectSucceeded(secured);
        }
        catch (OperationCanceledException) when (Cancelled)
        {
            connection.Abort(); // destroyed while shaking hands: nobody waits for an answer
            return;
        }
        catch (OperationCanceledException)
        {
            connection.Abort();
            result = new TransportSignal.ConnectFailed(TimedOut(connection));
        }
        catch (NetException e)
        {
            // Like Node's destroy after a failed handshake: FIN, or RST when the server's data is left unread.
            connection.Close();
            result = new TransportSignal.ConnectFailed(e.Error);
        }
        catch (Exception e)
        {
            // Nothing may escape to the caller: e.g. a client certificate the TLS library cannot use.
            connection.Abort();
            result = new TransportSignal.ConnectFailed(new NetError("ERR_SSL_SSL_HANDSHAKE_FAILURE", null, $"ssl handshake failure: {e.Message}"));
        }
        Finish(result);
    }

    private NetError TimedOut(ITransportConnection connection)
    {
        var (address, port) = NetError.Describe(connection.RemoteEndPoint);
        return new NetError("ETIMEDOUT", null,
            $"TLS handshake not finished within the connect timeout ({options.ConnectTimeout.TotalMilliseconds:0} ms)", address, port);
    }

    private void Finish(object result)
    {
        _deadline.Dispose(); // its timer need not outlive the attempt
        if (Cancelled)
        {
            if (result is TransportSignal.ConnectSucceeded connected) connected.Connection.Abort();
            return;
        }
        _owner.Tell(result, ActorRefs.NoSender);
    }
}
