using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Event;
using Akka.Hosting;
using Microsoft.Extensions.Options;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Server;
using ActorNet.Transport;
using GenericHostOptions = Microsoft.Extensions.Hosting.HostOptions;

namespace ActorNet.Hosting;

/// <summary>ActorNet servers in an Akka.Hosting application (<c>services.AddAkka(name, builder => ...)</c>).</summary>
public static class ActorNetHostingExtensions
{
    private const string DrainPhaseTimeoutKey = "akka.coordinated-shutdown.phases.service-requests-done.timeout";

    private const string ClrHookKey = "akka.coordinated-shutdown.run-by-clr-shutdown-hook";

    /// <summary>
    /// Adds a server that listens when the ActorSystem starts, before the host reports started (a failed listen, e.g.
    /// <c>EADDRINUSE</c>, fails the host's start with that <see cref="NetException"/>), and drains when the host stops:
    /// the host's stop runs <see cref="CoordinatedShutdown"/>, and <see cref="ActorNetServer.CloseOnCoordinatedShutdown"/>
    /// stops accepting in <c>service-unbind</c> and waits for the live connections in <c>service-requests-done</c>.
    /// The application finds it through <see cref="ActorNetServers"/> by <paramref name="name"/>.
    /// </summary>
    /// <remarks>
    /// So that nothing cuts the drain short, the <c>service-requests-done</c> phase's timeout is raised to at least
    /// drain-timeout + drain-grace + 5 s, and the host's <see cref="GenericHostOptions.ShutdownTimeout"/> (30 s by
    /// default) to at least that phase's timeout + 5 s when the server starts; a longer timeout set by the
    /// application is kept. <c>akka.coordinated-shutdown.run-by-clr-shutdown-hook</c> defaults to off, so that SIGTERM
    /// and Ctrl-C stop the host (whose stop runs CoordinatedShutdown) rather than Akka's own signal handler, which would
    /// drain before the host even hears of the signal; set it in the application's HOCON to keep it.
    /// </remarks>
    /// <param name="builder">The ActorSystem's builder.</param>
    /// <param name="name">The server's name, unique in the ActorSystem; its actor is <c>/user/actornet-{name}</c>.</param>
    /// <param name="options">The server's options; <see cref="ServerOptions.Handler"/> is not used.</param>
    /// <param name="handlerFactory">Makes one handler per connection.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty, not a valid actor name, or already
    /// taken in this ActorSystem; <paramref name="options"/> or <paramref name="handlerFactory"/> is null.</exception>
    public static AkkaConfigurationBuilder WithActorNetServer(this AkkaConfigurationBuilder builder, string name,
        ServerOptions options, Func<IConnectionHandler> handlerFactory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handlerFactory);
        var actorName = "actornet-" + name;
        if (!ActorPath.IsValidPathElement(actorName))
            throw new ArgumentException($"The server name \"{name}\" is not valid in an actor name (letters, digits and -_.*$+:@&=,!~';).", nameof(name));
        if (!HostedServerNames.Of(builder).TryAdd(name))
            throw new ArgumentException($"A server named \"{name}\" was already added to this ActorSystem.", nameof(name));

        var drainPhase = ShutdownBudget.DrainPhase(options);
        if (builder.Configuration.HasValue && builder.Configuration.Value.HasPath(DrainPhaseTimeoutKey))
            drainPhase = Max(drainPhase, builder.Configuration.Value.GetTimeSpan(DrainPhaseTimeoutKey));
        builder.AddHocon($"{DrainPhaseTimeoutKey} = {(long)Math.Ceiling(drainPhase.TotalMilliseconds)}ms", HoconAddMode.Prepend);
        // A fallback: the application's own setting wins. Akka's hook (SIGTERM, SIGINT) would block the signal until
        // the drain ended, and the host's lifetime, which handles the same signals, would stop only afterwards.
        builder.AddHocon($"{ClrHookKey} = off", HoconAddMode.Append);

        return builder.WithActors(async (system, _, resolver) =>
        {
            var shutdown = CoordinatedShutdown.Get(system);
            CoverInHostShutdown(resolver, ShutdownBudget.Host(shutdown.Timeout(CoordinatedShutdown.PhaseServiceRequestsDone)), system.Log);
            var servers = ActorNetServers.Get(system);
            ActorNetServer server;
            try
            {
                server = await ActorNetServer.StartAsync(system, options, handlerFactory, name: actorName).ConfigureAwait(false);
            }
            catch (NetException e)
            {
                system.Log.Error("ActorNet server {Server} failed to listen: {Error}", name, e.Message);
                servers.Failed(name, e);
                throw;
            }
            server.CloseOnCoordinatedShutdown();
            servers.Listening(name, server);
            system.Log.Info("ActorNet server {Server} listening on {EndPoint}", name, server.EndPoint);
        });
    }

    // The host reads ShutdownTimeout from its one IOptions<HostOptions> instance when it stops, so raising it at
    // start-up counts (the services were registered long before this builder runs). .NET's host waits for
    // Akka.Hosting's stop in any case, but cancels the token its other services stop with once the timeout passes.
    private static void CoverInHostShutdown(IDependencyResolver resolver, TimeSpan needed, ILoggingAdapter log)
    {
        if (resolver.GetService<IOptions<GenericHostOptions>>()?.Value is not { } host) return; // not in a generic host
        var current = host.ShutdownTimeout;
        if (current == Timeout.InfiniteTimeSpan || current >= needed) return;
        host.ShutdownTimeout = needed;
        log.Info("HostOptions.ShutdownTimeout raised from {Timeout} to {Needed} to cover the ActorNet drain", current, needed);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
