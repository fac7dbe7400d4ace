using Akka.Actor;

namespace ActorNet.Broadcast;

/// <summary>Creates <see cref="Topics"/>, once per ActorSystem.</summary>
public sealed class TopicsProvider : ExtensionIdProvider<Topics>
{
    /// <inheritdoc />
    public override Topics CreateExtension(ExtendedActorSystem system) => new(system);
}
