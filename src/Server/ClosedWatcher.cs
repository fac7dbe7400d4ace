using Akka.Actor;
using ActorNet.Protocol;

namespace ActorNet.Server;

/// <summary>Completes a task when the server publishes <see cref="ServerProtocol.Closed"/> (the drain is over).</summary>
internal sealed class ClosedWatcher : ReceiveActor
{
    public ClosedWatcher(TaskCompletionSource closed)
    {
        Receive<ServerProtocol.Closed>(_ => closed.TrySetResult());
        ReceiveAny(_ => { });
    }
}
