using Akka.Actor;

namespace ActorNet.Hosting;

/// <summary>Creates <see cref="ActorNetServers"/>, once per ActorSystem.</summary>
public sealed class ActorNetServersProvider : ExtensionIdProvider<ActorNetServers>
{
    /// <inheritdoc />
    public override ActorNetServers CreateExtension(ExtendedActorSystem system) => new(system);
}
