using System.Net;
using Akka;
using Akka.Actor;
using Akka.Event;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Transport;

namespace ActorNet.Server;

/// <summary>
/// A listening server, started with <see cref="StartAsync(ActorSystem, ServerOptions, HandlerRegistry?, ITransport?, string?, CancellationToken)"/>:
/// the awaitable way to listen (Node's <c>server.listen</c> with its callback or <c>'error'</c> event) and to close
/// (<c>server.close</c>, done once every connection is gone). Underneath is a <see cref="ServerActor"/>
/// (<see cref="Server"/>), which still takes every <see cref="ServerProtocol"/> message.
/// </summary>
/// <example>
/// <code>
/// var server = await ActorNetServer.StartAsync(system, options, handlers); // throws NetException, e.g. EADDRINUSE
/// Console.WriteLine($"listening on {server.EndPoint}");
/// await server.CloseAsync();                                             // refuse new connects, wait for the live ones
/// </code>
/// </example>
public sealed class ActorNetServer
{
    private readonly ActorSystem _system;
    private readonly IActorRef _owner;
    private readonly ServerOptions _options;

    private ActorNetServer(ActorSystem system, ServerOptions options, IActorRef owner, IActorRef server, EndPoint endPoint, Task completion)
    {
        _system = system;
        _options = options;
        _owner = owner;
        Server = server;
        EndPoint = endPoint;
        Completion = completion;
    }

    /// <summary>Where the server listens: the real port when port 0 was asked for.</summary>
    public EndPoint EndPoint { get; }

    /// <summary>The <see cref="ServerActor"/>: send it <see cref="ServerProtocol.Subscribe"/> or <see cref="ServerProtocol.GetConnectionCount"/>.</summary>
    public IActorRef Server { get; }

    /// <summary>
    /// Completes once the server has closed and its last connection is gone (after <see cref="CloseAsync"/> or
    /// <see cref="ForceCloseAsync"/>), or when the server stopped otherwise (its ActorSystem terminated). Never faults.
    /// </summary>
    public Task Completion { get; }

    /// <summary>
    /// Starts a server whose handler is the one <paramref name="handlers"/> has as <see cref="ServerOptions.Handler"/>,
    /// and waits until it listens.
    /// </summary>
    /// <param name="system">The ActorSystem the server runs in.</param>
    /// <param name="options">The server's options, e.g. from <see cref="ServerOptionsReader.Read"/> with the same registry.</param>
    /// <param name="handlers">The registry to take the handler from; null = <see cref="HandlerRegistry.BuiltIn"/>.</param>
    /// <param name="transport">The transport; null = the one <see cref="ServerOptions.Transport"/> names.</param>
    /// <param name="name">The name of the server's top-level actor; null = a generated one.</param>
    /// <param name="cancellationToken">Gives up on listening (e.g. while a host name resolves); the server is stopped.</param>
    /// <returns>The listening server.</returns>
    /// <exception cref="NetException">Listening failed; <see cref="NetException.Error"/> has Node's code (<c>EADDRINUSE</c>,
    /// <c>EACCES</c>, <c>EADDRNOTAVAIL</c>, <c>ENOTFOUND</c>, ...) and reads like Node's message.</exception>
    /// <exception cref="ArgumentException">The handler is not registered, or the transport is unknown or not supported here.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the server listened.</exception>
    public static Task<ActorNetServer> StartAsync(ActorSystem system, ServerOptions options, HandlerRegistry? handlers = null,
        ITransport? transport = null, string? name = null, CancellationToken cancellationToken = default) =>
        StartAsync(system, options, ServerActor.Props(options, handlers ?? HandlerRegistry.BuiltIn, transport), name, cancellationToken);

    /// <summary>Starts a server with one handler from <paramref name="handlerFactory"/> per connection, and waits until it listens.</summary>
    /// <param name="system">The ActorSystem the server runs in.</param>
    /// <param name="options">The server's options; <see cref="ServerOptions.Handler"/> is not used.</param>
    /// <param name="handlerFactory">Makes one handler per connection.</param>
    /// <param name="transport">The transport; null = the one <see cref="ServerOptions.Transport"/> names.</param>
    /// <param name="name">The name of the server's top-level actor; null = a generated one.</param>
    /// <param name="cancellationToken">Gives up on listening; the server is stopped.</param>
    /// <returns>The listening server.</returns>
    /// <exception cref="NetException">Listening failed, with Node's code (<c>EADDRINUSE</c>, ...).</exception>
    /// <exception cref="ArgumentException">The transport is unknown or not supported here.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the server listened.</exception>
    public static Task<ActorNetServer> StartAsync(ActorSystem system, ServerOptions options, Func<IConnectionHandler> handlerFactory,
        ITransport? transport = null, string? name = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handlerFactory);
        return StartAsync(system, options, ServerActor.Props(options, handlerFactory, transport), name, cancellationToken);
    }

    private static async Task<ActorNetServer> StartAsync(ActorSystem system, ServerOptions options, Props serverProps, string? name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(system);
        cancellationToken.ThrowIfCancellationRequested();
        var started = new TaskCompletionSource<(EndPoint EndPoint, IActorRef Server)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var props = ServerOwner.Props(serverProps, started, completion);
        var owner = name is null ? system.ActorOf(props) : system.ActorOf(props, name);
        await using var cancel = cancellationToken.Register(() =>
        {
            if (started.TrySetCanceled(cancellationToken)) system.Stop(owner);
        });
        var (endPoint, server) = await started.Task.ConfigureAwait(false);
        return new ActorNetServer(system, options, owner, server, endPoint, completion.Task);
    }

    /// <summary>
    /// Node's <c>server.close()</c>: stops accepting at once (new connects are refused) and lets live connections
    /// finish; at <c>drain-timeout</c> they are ended, <c>drain-grace</c> later reset. Idempotent.
    /// </summary>
    /// <returns><see cref="Completion"/>: done once the last connection is gone.</returns>
    public Task CloseAsync()
    {
        _owner.Tell(ServerOwner.Drain.Instance);
        return Completion;
    }

    /// <summary>Stops accepting and resets every live connection now (also during a <see cref="CloseAsync"/> drain).</summary>
    /// <returns><see cref="Completion"/>: done once the connections are gone.</returns>
    public Task ForceCloseAsync()
    {
        _owner.Tell(ServerOwner.Abort.Instance);
        return Completion;
    }

    /// <summary>
    /// Ties the server to its ActorSystem's <see cref="CoordinatedShutdown"/>: in <c>service-unbind</c> it stops
    /// accepting, <c>service-requests-done</c> waits for the drain (<see cref="CloseAsync"/>), <c>service-stop</c> resets
    /// whatever is left. In a cluster the node leaves only after that (<c>cluster-leave</c> is a later phase), also
    /// when it is downed by the others. Give <c>akka.coordinated-shutdown.phases.service-requests-done.timeout</c>
    /// more than drain-timeout + drain-grace: Akka moves on when a phase times out (a warning says so here).
    /// </summary>
    /// <returns>This server.</returns>
    public ActorNetServer CloseOnCoordinatedShutdown()
    {
        var shutdown = CoordinatedShutdown.Get(_system);
        var needed = _options.DrainTimeout + _options.DrainGrace;
        var phase = shutdown.Timeout(CoordinatedShutdown.PhaseServiceRequestsDone);
        if (phase <= needed)
            _system.Log.Warning("akka.coordinated-shutdown.phases.service-requests-done.timeout ({PhaseTimeout}) is not above drain-timeout + drain-grace ({Needed}): a drain would be cut short",
                phase, needed);
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceUnbind, "actornet-stop-accepting", () =>
        {
            _owner.Tell(ServerOwner.Drain.Instance);
            return Task.FromResult(Done.Instance);
        });
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceRequestsDone, "actornet-drain", async () =>
        {
            await Completion.ConfigureAwait(false);
            return Done.Instance;
        });
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceStop, "actornet-abort-leftovers", () =>
        {
            _owner.Tell(ServerOwner.Abort.Instance);
            return Task.FromResult(Done.Instance);
        });
        return this;
    }

    /// <inheritdoc />
    public override string ToString() => $"ActorNetServer({EndPoint})";
}
