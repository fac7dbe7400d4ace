using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace ActorNet.Dispatch;

/// <summary>
/// <c>mailbox-type = "ActorNet.Dispatch.SocketMailboxType, ActorNet.Actors"</c>: the lean per-connection queue
/// (<see cref="SocketMessageQueue"/>). Socket actors use it through <see cref="MailboxId"/>, which the library
/// adds to the ActorSystem's config as a fallback.
/// </summary>
public sealed class SocketMailboxType(Settings settings, Config config) : MailboxType(settings, config)
{
    /// <summary>The mailbox id socket actors are deployed with.</summary>
    public const string MailboxId = "actornet.socket-mailbox";

    /// <summary>The config that defines <see cref="MailboxId"/>.</summary>
    public static Config Definition { get; } = ConfigurationFactory.ParseString(
        $"{MailboxId}.mailbox-type = \"{typeof(SocketMailboxType).FullName}, {typeof(SocketMailboxType).Assembly.GetName().Name}\"");

    /// <inheritdoc />
    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new SocketMessageQueue();
}
