using System.Net.Sockets;
using Akka.IO;
using ActorNet.Options;
using ActorNet.Transport.Sockets;

namespace ActorNet.Transport.AkkaIo;

/// <summary>
/// The socket options Akka.IO does not have, as an <see cref="Inet.SocketOption"/> Akka.IO's connection actor applies
/// to every accepted socket before it reports Connected: keep-alive, TCP_USER_TIMEOUT and TCP_NODELAY.
/// </summary>
internal sealed class AcceptedSocketOptions(KeepAliveOptions keepAlive, bool noDelay) : Inet.SocketOption
{
    public override void AfterConnect(Socket s)
    {
        if (keepAlive.Enabled) SocketTuning.ApplyKeepAlive(s, keepAlive);
        // Akka turns Nagle off on every connection; the server's no-delay decides.
        SocketTuning.ApplyNoDelay(s, noDelay);
    }
}
