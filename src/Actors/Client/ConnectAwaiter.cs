using Akka.Actor;
using ActorNet.Handlers;
using ActorNet.Protocol;
using ActorNet.Transport;

namespace ActorNet;

/// <summary>Passes every event to the inner handler and completes a task on connect or on the first error.</summary>
internal sealed class ConnectAwaiter(IConnectionHandler inner) : HandlerDecorator(inner)
{
    private readonly TaskCompletionSource<IActorRef> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<IActorRef> Connected => _connected.Task;

    public override void OnConnect(ISocket socket)
    {
        Inner.OnConnect(socket);
        _connected.TrySetResult(socket.Self);
    }

    public override void OnError(ISocket socket, NetError error)
    {
        _connected.TrySetException(new NetException(error));
        Inner.OnError(socket, error);
    }

    public override void OnClose(ISocket socket, bool hadError)
    {
        _connected.TrySetException(new NetException(new NetError("ERR_SOCKET_CLOSED", "connect", "destroyed while connecting")));
        Inner.OnClose(socket, hadError);
    }
}
