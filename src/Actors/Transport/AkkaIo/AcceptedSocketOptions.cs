using System.Net.Sockets;
using Akka.IO;
using ActorNet.Options;
using ActorNet.Transport.Sockets;

namespace ActorNet.Transport.AkkaIo;

/// <summary>
/// The socket options Akka.IO does not have, as <see cref="Inet.SocketOption"/>s: dual stack on <c>::</c>,
/// SO_REUSEADDR without SO_REUSEPORT (and SO_REUSEPORT when asked) on the listener, and keep-alive,
/// TCP_USER_TIMEOUT and TCP_NODELAY on every accepted socket.
/// </summary>
internal sealed class AcceptedSocketOptions(bool reusePort, KeepAliveOptions keepAlive, bool noDelay) : Inet.SocketOption
{
    public override void BeforeServerSocketBind(Socket ss)
    {
        if (ss.AddressFamily == AddressFamily.InterNetworkV6) ss.DualMode = true;
        SocketTuning.SetReuseAddress(ss);
        if (reusePort) SocketTuning.SetReusePort(ss);
    }

    public override void AfterConnect(Socket s)
    {
        if (keepAlive.Enabled) SocketTuning.ApplyKeepAlive(s, keepAlive);
        // Akka turns Nagle off on every connection; the server's no-delay decides.
        SocketTuning.ApplyNoDelay(s, noDelay);
    }
}
