using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using ActorNet.Options;
using ActorNet.Protocol;

namespace ActorNet.Transport.Proxy;

/// <summary>
/// A connection after its PROXY header, as the layers above see it: the peer is the client the header named, and
/// the bytes that came in the same reads as the header are read first, then the connection's own. Everything else
/// goes straight to the connection underneath.
/// </summary>
internal sealed class ProxiedConnection(ITransportConnection inner, SignalRelay relay, EndPoint? remote, byte[]? early, bool ended)
    : ITransportConnection
{
    private byte[]? _early = early is { Length: > 0 } ? early : null;
    private int _earlyRead;

    public EndPoint? LocalEndPoint => inner.LocalEndPoint;

    public EndPoint? RemoteEndPoint => remote;

    public int Descriptor => inner.Descriptor;

    public void Attach(IActorRef owner) => relay.Attach(owner);

    public void WaitReadable()
    {
        if (_early is not null || ended) relay.TellReadable();
        else relay.WaitReadable();
    }

    public ReadResult TryReceive(Span<byte> buffer)
    {
        if (_early is { } early)
        {
            var n = Math.Min(buffer.Length, early.Length - _earlyRead);
            early.AsSpan(_earlyRead, n).CopyTo(buffer);
            _earlyRead += n;
            if (_earlyRead == early.Length) _early = null;
            // Not drained: the connection may hold more, and the next read asks it.
            return new ReadResult(n, SocketError.Success, false);
        }
        // The header reader met the peer's FIN already; the socket would not report it twice on every transport.
        return ended ? ReadResult.EndOfStream : inner.TryReceive(buffer);
    }

    public int TrySend(ReadOnlySpan<byte> data, out SocketError error) => inner.TrySend(data, out error);

    public void SendAsync(ReadOnlyMemory<byte> data) => inner.SendAsync(data);

    public SocketError ShutdownSend() => inner.ShutdownSend();

    public void Close() => inner.Close();

    public void Abort() => inner.Abort();

    public NetError? SetKeepAlive(KeepAliveOptions keepAlive) => inner.SetKeepAlive(keepAlive);

    public NetError? SetNoDelay(bool noDelay) => inner.SetNoDelay(noDelay);

    public SocketError ProbeReset() => inner.ProbeReset();
}
