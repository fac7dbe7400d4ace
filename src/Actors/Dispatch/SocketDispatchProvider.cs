using Akka.Actor;

namespace ActorNet.Dispatch;

/// <summary>Akka's handle on <see cref="SocketDispatch"/>: creates it once per ActorSystem.</summary>
public sealed class SocketDispatchProvider : ExtensionIdProvider<SocketDispatch>
{
    /// <inheritdoc />
    public override SocketDispatch CreateExtension(ExtendedActorSystem system) => new(system);
}
