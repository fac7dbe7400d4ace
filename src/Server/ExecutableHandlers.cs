using Akka.Actor;
using ActorNet.Broadcast;
using ActorNet.Handlers;

namespace ActorNet.Server;

/// <summary>
/// The handlers the executable serves: the library's built-ins and <c>chat</c>, whose topic lives in the ActorSystem.
/// The names are needed to check the configuration before the ActorSystem exists, so it is bound afterwards.
/// </summary>
internal sealed class ExecutableHandlers
{
    private ActorSystem? _system;

    public ExecutableHandlers() =>
        Registry = HandlerRegistry.BuiltIn.With("chat", () => new ChatHandler(Topics.Get(
            _system ?? throw new InvalidOperationException("the chat handler's ActorSystem is not bound yet"))));

    /// <summary>echo, discard, tally and chat.</summary>
    public HandlerRegistry Registry { get; }

    /// <summary>Makes <paramref name="system"/> the one chat publishes in; its Topics start now, before the first client.</summary>
    public void Bind(ActorSystem system)
    {
        _system = system;
        _ = Topics.Get(system);
    }
}
