using Akka.Actor;
using Akka.Configuration;

namespace ActorNet.Dispatch;

/// <summary>
/// Where socket actors run, set up once per ActorSystem: the dispatcher <see cref="DispatcherId"/> and the mailbox
/// <see cref="SocketMailboxType.MailboxId"/>. On first use it adds the library's definition of each one the system's
/// configuration lacks (definitions in the user's config win); every socket actor, accepted or connected, is
/// deployed with <see cref="WithSocketDispatcher"/>.
/// </summary>
public sealed class SocketDispatch : IExtension
{
    /// <summary>
    /// Socket actors run on this dispatcher. Unless the ActorSystem's config defines it (hocon/server.conf sets the
    /// event-loop mode), it is a dedicated pool of one thread per core, so that socket actors neither wait behind
    /// nor hold up the rest of the application on the shared thread pool.
    /// </summary>
    public const string DispatcherId = "actornet.socket-dispatcher";

    private static readonly Config DefaultDispatcher = ConfigurationFactory.ParseString($$"""
        {{DispatcherId}} {
          type = ForkJoinDispatcher
          throughput = 64
          dedicated-thread-pool { thread-count = {{Environment.ProcessorCount}} }
        }
        """);

    internal SocketDispatch(ActorSystem system)
    {
        // Akka creates an extension once per system, so this read-modify-write of the settings happens once.
        // Only what is missing is added: a fallback merged into a user's partial definition would change it.
        var settings = system.Settings;
        var missing = Config.Empty;
        if (!settings.Config.HasPath(SocketMailboxType.MailboxId)) missing = missing.WithFallback(SocketMailboxType.Definition);
        if (!settings.Config.HasPath(DispatcherId)) missing = missing.WithFallback(DefaultDispatcher);
        if (!missing.IsEmpty) settings.InjectTopLevelFallback(missing);
    }

    /// <summary>The extension of <paramref name="system"/>, created (and the definitions added) on first use.</summary>
    public static SocketDispatch Get(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return system.WithExtension<SocketDispatch, SocketDispatchProvider>();
    }

    /// <summary><paramref name="props"/> on the socket dispatcher with the socket mailbox.</summary>
    public Props WithSocketDispatcher(Props props)
    {
        ArgumentNullException.ThrowIfNull(props);
        return props.WithMailbox(SocketMailboxType.MailboxId).WithDispatcher(DispatcherId);
    }
}
