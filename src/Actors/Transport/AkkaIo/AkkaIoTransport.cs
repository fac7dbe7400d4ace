using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.IO;
using ActorNet.Options;
using ActorNet.Protocol;

namespace ActorNet.Transport.AkkaIo;

/// <summary>
/// <c>transport = akka-io</c>: Akka.IO's <c>Tcp</c>, reading suspended between waits, acknowledged writes. Unsupported here,
/// with a clear error: Unix domain sockets, changing socket options on a live connection, and refusing
/// connects during a drain (they are accepted and closed at once instead).
/// </summary>
public sealed class AkkaIoTransport(ActorSystem system, KeepAliveOptions keepAlive, bool noDelay) : ITransport
{
    private static readonly TimeSpan BindTimeout = TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    public ITransportListener Listen(ListenSpec spec)
    {
        if (spec.Descriptor is { } descriptor)
            throw new NetException(new NetError("ERR_TRANSPORT_UNSUPPORTED", "listen",
                "the akka-io transport opens its own listening socket and cannot serve an inherited one; use transport = sockets or epoll",
                $"fd {descriptor}"));
        if (spec.Path is not null)
            throw new NetException(new NetError("ERR_TRANSPORT_UNSUPPORTED", "listen",
                "the akka-io transport has no Unix domain sockets (Akka.IO answers ProtocolNotSupported); use transport = sockets", spec.Path));
        NetException? first = null;
        foreach (var address in spec.Addresses)
        {
            try
            {
                return Bind(new IPEndPoint(address, spec.Port), spec);
            }
            catch (NetException e) when (address.Equals(IPAddress.IPv6Any) && e.Error.Code is "EAFNOSUPPORT" or "EADDRNOTAVAIL")
            {
                return Bind(new IPEndPoint(IPAddress.Any, spec.Port), spec);
            }
            catch (NetException e)
            {
                first ??= e;
            }
        }
        throw first ?? new NetException(new NetError("ENOTFOUND", "listen", "no address to listen on", spec.Host, spec.Port));
    }

    private AkkaIoListener Bind(IPEndPoint endPoint, ListenSpec spec)
    {
        var acceptor = system.ActorOf(AkkaIoAcceptor.Props(keepAlive, noDelay));
        // Listen is synchronous at the seam; Akka binds on a task and answers within milliseconds.
        var reply = acceptor.Ask<Tcp.Event>(new AkkaIoAcceptor.StartBind(endPoint, spec.Backlog, spec.ReusePort), BindTimeout)
            .GetAwaiter().GetResult();
        if (reply is Tcp.Bound bound) return new AkkaIoListener(acceptor, bound.LocalAddress);
        var failed = (Tcp.CommandFailed)reply;
        var code = failed.Cause.HasValue && failed.Cause.Value is SocketException se ? se.SocketErrorCode : SocketError.SocketError;
        throw new NetException(NetError.FromSocketError(code, "listen", endPoint));
    }

    private sealed class AkkaIoListener(IActorRef acceptor, EndPoint localEndPoint) : ITransportListener
    {
        public EndPoint LocalEndPoint { get; } = localEndPoint;

        public void StartAccepting(IActorRef connections, IActorRef errors) => acceptor.Tell(new AkkaIoAcceptor.StartAccepting(connections));

        public void ResumeAccepting() { }

        public void Close() => acceptor.Tell(AkkaIoAcceptor.Gate.Instance);

        public void Drained() => acceptor.Tell(AkkaIoAcceptor.Release.Instance);
    }
}
