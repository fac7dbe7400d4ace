using Akka.Configuration;
using Akka.Dispatch;

namespace ActorNet.Dispatch;

/// <summary>
/// <c>executor = "ActorNet.Dispatch.EventLoopExecutorConfigurator, ActorNet.Actors"</c> in a dispatcher's config:
/// mailboxes run on the calling thread (<see cref="EventLoopExecutor"/>).
/// </summary>
public sealed class EventLoopExecutorConfigurator(Config config, IDispatcherPrerequisites prerequisites)
    : ExecutorServiceConfigurator(config, prerequisites)
{
    /// <inheritdoc />
    public override ExecutorService Produce(string id) => new EventLoopExecutor(id);
}
