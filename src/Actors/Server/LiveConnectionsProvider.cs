using Akka.Actor;

namespace ActorNet.Server;

/// <summary>Creates <see cref="LiveConnections"/>, once per ActorSystem.</summary>
public sealed class LiveConnectionsProvider : ExtensionIdProvider<LiveConnections>
{
    /// <inheritdoc />
    public override LiveConnections CreateExtension(ExtendedActorSystem system) => new();
}
