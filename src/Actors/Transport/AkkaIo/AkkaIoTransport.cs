using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.IO;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Transport.Sockets;

namespace ActorNet.Transport.AkkaIo;

/// <summary>
/// <c>transport = akka-io</c>: Akka.IO's <c>Tcp</c> connections, reading suspended between waits, acknowledged writes.
/// ActorNet listens and accepts (as on transport <c>sockets</c>, so the open-files line and the refusal of connects
/// during a drain are the same); each accepted socket is handed to Akka.IO's own connection actor. Unsupported here,
/// with a clear error: Unix domain sockets, inherited listeners, and changing socket options on a live connection.
/// </summary>
public sealed class AkkaIoTransport(ActorSystem system, KeepAliveOptions keepAlive, bool noDelay) : ITransport
{
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
        if (!AkkaIoAcceptor.Supported)
            throw new NetException(new NetError("ERR_TRANSPORT_UNSUPPORTED", "listen",
                $"this Akka.IO ({typeof(Tcp).Assembly.GetName().Version}) has no TcpIncomingConnection(TcpSettings, Socket, IActorRef, " +
                "IEnumerable<SocketOption>, bool), which the akka-io transport hands accepted sockets to; use the Akka version ActorNet was built with",
                spec.Host, spec.Port));
        var socket = SocketsTransport.BindTcp(spec);
        var acceptor = system.ActorOf(AkkaIoAcceptor.Props(keepAlive, noDelay));
        return new AkkaIoListener(acceptor, new SocketsListener(socket, null, epoll: false, adopter: acceptor));
    }

    private sealed class AkkaIoListener(IActorRef acceptor, SocketsListener sockets) : ITransportListener
    {
        // An orderly close takes milliseconds; one whose peer never sends its FIN ends with the bridge's grace (5 s).
        // Past this, a connection is left behind rather than holding up the server's Closed.
        private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(6);

        public EndPoint LocalEndPoint => sockets.LocalEndPoint;

        public void StartAccepting(IActorRef connections, IActorRef errors)
        {
            // Told first: every accepted socket reaches the acceptor after it knows where connections go.
            acceptor.Tell(new AkkaIoAcceptor.StartAccepting(connections));
            sockets.StartAccepting(connections, errors);
        }

        public void ResumeAccepting() => sockets.ResumeAccepting();

        public void Close()
        {
            sockets.Close();
            acceptor.Tell(AkkaIoAcceptor.Gate.Instance);
        }

        // Akka.IO's connection actors finish their closes after the socket actors ended; the acceptor stops once they
        // have, and an exit before that would reset them.
        public Task Drained() => acceptor.GracefulStop(ReleaseTimeout, AkkaIoAcceptor.Release.Instance);
    }
}
