using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Akka.IO;
using ActorNet.Options;
using ActorNet.Transport.Sockets;

namespace ActorNet.Transport.AkkaIo;

/// <summary>
/// The socket options Akka.IO does not have, as an <see cref="Inet.SocketOption"/> Akka.IO's connection actor applies
/// to every accepted socket: keep-alive, TCP_USER_TIMEOUT and TCP_NODELAY. It also keeps each accepted socket until
/// the acceptor takes it (<see cref="Take"/>): Akka.IO's Connected carries no socket handle, and ActorNet needs one to
/// notice a reset on a connection it is not reading and to change options on a live connection.
/// </summary>
internal sealed class AcceptedSocketOptions(KeepAliveOptions keepAlive, bool noDelay) : Inet.SocketOption
{
    private readonly ConcurrentDictionary<(EndPoint Remote, EndPoint Local), Socket> _accepted = new();

    public override void AfterConnect(Socket s)
    {
        if (keepAlive.Enabled) SocketTuning.ApplyKeepAlive(s, keepAlive);
        // Akka turns Nagle off on every connection; the server's no-delay decides.
        SocketTuning.ApplyNoDelay(s, noDelay);
        // Runs on Akka's connection actor before it tells Connected (with these endpoints) to the acceptor.
        if (s.RemoteEndPoint is { } remote && s.LocalEndPoint is { } local) _accepted[(remote, local)] = s;
    }

    /// <summary>The socket of the connection Akka reported as Connected with these endpoints (once).</summary>
    public Socket? Take(EndPoint remote, EndPoint local) => _accepted.TryRemove((remote, local), out var socket) ? socket : null;
}
