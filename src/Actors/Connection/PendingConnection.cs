using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Transport;

namespace ActorNet.Connection;

/// <summary>Stands in for the transport while a client socket connects; the socket actor does not call it then.</summary>
internal sealed class PendingConnection : ITransportConnection
{
    public static PendingConnection Instance { get; } = new();

    public EndPoint? LocalEndPoint => null;

    public EndPoint? RemoteEndPoint => null;

    public void Attach(IActorRef owner) { }

    public void WaitReadable() { }

    public ReadResult TryReceive(Span<byte> buffer) => ReadResult.Failure(SocketError.NotConnected);

    public int TrySend(ReadOnlySpan<byte> data, out SocketError error)
    {
        error = SocketError.NotConnected;
        return 0;
    }

    public void SendAsync(ReadOnlyMemory<byte> data) { }

    public SocketError ShutdownSend() => SocketError.NotConnected;

    public void Close() { }

    public void Abort() { }

    public NetError? SetKeepAlive(KeepAliveOptions keepAlive) => null;

    public NetError? SetNoDelay(bool noDelay) => null;
}
