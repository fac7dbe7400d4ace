using System.Net;
using Akka.Actor;
using Akka.Event;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Transport;

namespace ActorNet.Connection;

/// <summary>The socket's facts and options: endpoints, keep-alive and no-delay (held while a client connects), the logger.</summary>
internal sealed partial class SocketActor
{
    private KeepAliveOptions? _keepAliveWhileConnecting;
    private bool? _noDelayWhileConnecting;
    private ILoggingAdapter? _logger;

    // Made on first use (on this actor's thread): most connections never log, and a logger per actor is ~60 bytes.
    private ILoggingAdapter Logger => _logger ??= Context.GetLogger();

    /// <summary>The transport, for tests that inspect the live socket.</summary>
    internal ITransportConnection Transport => _connection;

    public EndPoint? LocalEndPoint => _connection.LocalEndPoint;

    public EndPoint? RemoteEndPoint => _connection.RemoteEndPoint;

    public void SetKeepAlive(KeepAliveOptions keepAlive)
    {
        if (_life == Lifecycle.Connecting) _keepAliveWhileConnecting = keepAlive;
        else ApplyKeepAlive(keepAlive);
    }

    public void SetNoDelay(bool noDelay)
    {
        if (_life == Lifecycle.Connecting)
        {
            _noDelayWhileConnecting = noDelay;
            return;
        }
        if (_connection.SetNoDelay(noDelay) is { } error)
            Logger.Warning("Connection {ConnectionId}: no-delay not applied: {Error}", ConnectionId, error);
    }

    private void ApplyOptionsHeldWhileConnecting()
    {
        ApplyKeepAlive(_keepAliveWhileConnecting ?? (_settings.KeepAlive.Enabled ? _settings.KeepAlive : null));
        if (_noDelayWhileConnecting ?? _settings.NoDelay)
        {
            if (_connection.SetNoDelay(true) is { } error)
                Logger.Warning("Connection {ConnectionId}: no-delay not applied: {Error}", ConnectionId, error);
        }
    }

    private void ApplyKeepAlive(KeepAliveOptions? keepAlive)
    {
        if (keepAlive is not null && _connection.SetKeepAlive(keepAlive) is { } error)
            Logger.Warning("Connection {ConnectionId}: keep-alive not applied: {Error}", ConnectionId, error);
    }

    private bool OnOptionCommand(object message)
    {
        switch (message)
        {
            case SocketProtocol.SetTimeout t:
                SetTimeout(t.Timeout);
                return true;
            case SocketProtocol.SetKeepAlive k:
                SetKeepAlive(k.KeepAlive);
                return true;
            case SocketProtocol.SetNoDelay n:
                SetNoDelay(n.NoDelay);
                return true;
            case SocketProtocol.GetInfo:
                Sender.Tell(Info());
                return true;
            default:
                return false;
        }
    }

    /// <summary>What the TLS handshake negotiated; null on a plain connection.</summary>
    public Transport.Tls.TlsInfo? Tls => (_connection as Transport.Tls.TlsConnection)?.Info;

    private SocketProtocol.SocketInfo Info() =>
        new(ConnectionId, LocalEndPoint, RemoteEndPoint, _bytesRead, _bytesWritten, _queue.Length, StateName, Tls);
}
