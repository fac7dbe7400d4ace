using System.Net;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Configuration;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Protocol;

namespace ActorNet.Server;

/// <summary>
/// One server the executable runs: <c>actornet.server</c> (named <see cref="ServerOptionsReader.DefaultName"/>) or one
/// under <c>actornet.servers</c>. Each has its own server actor, its own "closed" signal for the drain, and its own
/// part of <c>/status</c>; the process drains them together.
/// </summary>
internal sealed class HostedServer(string name, ServerOptions options)
{
    private EndPoint? _endPoint;

    /// <summary>The name in <c>/status</c>: "default" or the key under <c>actornet.servers</c>.</summary>
    public string Name { get; } = name;

    /// <summary>The options as read at start.</summary>
    public ServerOptions Options { get; } = options;

    /// <summary>True for <c>actornet.server</c>.</summary>
    public bool IsDefault => Name == ServerOptionsReader.DefaultName;

    /// <summary>Its HOCON section, as config errors name it.</summary>
    public string Section => IsDefault ? ServerOptionsReader.Section : $"{ServerOptionsReader.NamedSection}.{Name}";

    /// <summary>The server actor (set by <see cref="Start"/>).</summary>
    public IActorRef Actor { get; private set; } = ActorRefs.Nobody;

    /// <summary>Completed when the server published Closed (its drain is over), or when there is nothing to drain.</summary>
    public TaskCompletionSource Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The address it listens on, once it does.</summary>
    public EndPoint? EndPoint => Volatile.Read(ref _endPoint);

    /// <summary>Reads this server's options again (a SIGHUP's certificate reload), with the same checks as at start.</summary>
    public ServerOptions Read(Config config, HandlerRegistry handlers) =>
        IsDefault ? ServerOptionsReader.Read(config, handlers) : ServerOptionsReader.ReadNamed(config, Name, handlers);

    /// <summary>
    /// Starts its actor with <paramref name="served"/> (the options with any certificate selector attached). The default
    /// server's actor keeps the name "server" it always had (log sources, actor paths); a named one is "server-NAME".
    /// </summary>
    public void Start(ActorSystem system, ServerOptions served, HandlerRegistry handlers)
    {
        var suffix = IsDefault ? "" : $"-{Name}";
        Actor = system.ActorOf(ServerActor.Props(served, handlers), "server" + suffix);
        Actor.Tell(new ServerProtocol.Subscribe(system.ActorOf(Props.Create(() => new ClosedWatcher(Closed)), "closed-watcher" + suffix)));
    }

    /// <summary>Records the address from the server's Listening reply.</summary>
    public void MarkListening(EndPoint endPoint) => Volatile.Write(ref _endPoint, endPoint);

    /// <summary>Its live connection count; null when the server did not answer within 2 s (so /status answers even then).</summary>
    public async Task<int?> LiveAsync()
    {
        try
        {
            return (await Actor.Ask<ServerProtocol.ConnectionCount>(ServerProtocol.GetConnectionCount.Instance, TimeSpan.FromSeconds(2))).Live;
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    /// <summary>Its part of <c>/status</c>'s <c>servers</c>: <c>{"listening": true, "endpoint": "127.0.0.1:7000", "handler": "echo", "live": 2}</c>.</summary>
    public JsonObject StatusPart(bool processListening, int? live) => new()
    {
        ["listening"] = processListening && EndPoint is not null,
        ["endpoint"] = EndPoint?.ToString(),
        ["handler"] = Options.Handler,
        ["live"] = live,
    };
}
