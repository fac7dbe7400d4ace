using Akka.Actor;
using ActorNet.Transport;

namespace ActorNet.Tests.Support;

/// <summary>A connector that never connects by itself: the test tells the socket actor the outcome. Calls go to <paramref name="calls"/>.</summary>
internal sealed class ScriptedConnector(IActorRef calls) : ITransportConnector
{
    public void Connect(IActorRef owner) => calls.Tell("connect");

    public void Cancel() => calls.Tell("cancel");
}
