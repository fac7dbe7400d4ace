using Akka.Actor;
using ActorNet.Protocol;

namespace ActorNet.Handlers;

/// <summary>
/// Makes an actor the socket's owner: every event goes to <paramref name="owner"/> as a
/// <see cref="SocketProtocol"/> message (data copied), and the owner sends commands back to the socket actor.
/// </summary>
public sealed class ForwardingHandler(IActorRef owner) : IConnectionHandler
{
    /// <inheritdoc />
    public void OnConnect(ISocket socket) =>
        owner.Tell(new SocketProtocol.Connected(socket.Self, socket.ConnectionId, socket.LocalEndPoint, socket.RemoteEndPoint), socket.Self);

    /// <inheritdoc />
    public void OnData(ISocket socket, ReadOnlySpan<byte> data) =>
        owner.Tell(new SocketProtocol.Data(socket.Self, data.ToArray()), socket.Self);

    /// <inheritdoc />
    public void OnEnd(ISocket socket) => owner.Tell(new SocketProtocol.Ended(socket.Self), socket.Self);

    /// <inheritdoc />
    public void OnDrain(ISocket socket) => owner.Tell(new SocketProtocol.Drained(socket.Self), socket.Self);

    /// <inheritdoc />
    public void OnTimeout(ISocket socket) => owner.Tell(new SocketProtocol.TimedOut(socket.Self), socket.Self);

    /// <inheritdoc />
    public void OnError(ISocket socket, NetError error) =>
        owner.Tell(new SocketProtocol.ErrorOccurred(socket.Self, error), socket.Self);

    /// <inheritdoc />
    public void OnClose(ISocket socket, bool hadError) =>
        owner.Tell(new SocketProtocol.Closed(socket.Self, hadError), socket.Self);
}
