using Akka.Actor;
using ActorNet.Handlers;
using ActorNet.Protocol;
using ActorNet.Transport;

namespace ActorNet;

/// <summary>Passes every event to the inner handler and completes a task on connect or on the first error.</summary>
internal sealed class ConnectAwaiter(IConnectionHandler inner) : IConnectionHandler
{
    private readonly TaskCompletionSource<IActorRef> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<IActorRef> Connected => _connected.Task;

    public void OnConnect(ISocket socket)
    {
        inner.OnConnect(socket);
        _connected.TrySetResult(socket.Self);
    }

    public void OnData(ISocket socket, ReadOnlySpan<byte> data) => inner.OnData(socket, data);

    public void OnEnd(ISocket socket) => inner.OnEnd(socket);

    public void OnDrain(ISocket socket) => inner.OnDrain(socket);

    public void OnTimeout(ISocket socket) => inner.OnTimeout(socket);

    public void OnError(ISocket socket, NetError error)
    {
        _connected.TrySetException(new NetException(error));
        inner.OnError(socket, error);
    }

    public void OnClose(ISocket socket, bool hadError)
    {
        _connected.TrySetException(new NetException(new NetError("ERR_SOCKET_CLOSED", "connect", "destroyed while connecting")));
        inner.OnClose(socket, hadError);
    }
}
