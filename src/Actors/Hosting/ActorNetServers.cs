using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Akka.Actor;
using ActorNet.Server;

namespace ActorNet.Hosting;

/// <summary>
/// The servers that <see cref="ActorNetHostingExtensions.WithActorNetServer"/> started in an ActorSystem, by name:
/// how an application reaches a hosted server's <see cref="ActorNetServer.EndPoint"/>, <see cref="ActorNetServer.Server"/>
/// actor or <see cref="ActorNetServer.CloseAsync"/>. Servers are added once they listen, before the host reports started.
/// </summary>
/// <example>
/// <code>
/// var echo = await ActorNetServers.Get(system).GetAsync("echo"); // system: the ActorSystem from dependency injection
/// Console.WriteLine($"listening on {echo.EndPoint}");
/// </code>
/// </example>
public sealed class ActorNetServers : IExtension
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<ActorNetServer>> _servers = new(StringComparer.Ordinal);

    internal ActorNetServers(ExtendedActorSystem system)
    {
        // A server that never comes (a name nobody added, or a failed start) must not leave GetAsync waiting forever.
        system.WhenTerminated.ContinueWith(_ =>
        {
            foreach (var waiter in _servers.Values) waiter.TrySetCanceled();
        }, TaskScheduler.Default);
        Terminated = system.WhenTerminated;
    }

    private Task Terminated { get; }

    /// <summary>The names of the servers that listen (or listened) in this ActorSystem.</summary>
    public IReadOnlyCollection<string> Names =>
        _servers.Where(s => s.Value.Task.IsCompletedSuccessfully).Select(s => s.Key).Order(StringComparer.Ordinal).ToArray();

    /// <summary>The extension of <paramref name="system"/>.</summary>
    public static ActorNetServers Get(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return system.WithExtension<ActorNetServers, ActorNetServersProvider>();
    }

    /// <summary>The server named <paramref name="name"/>, which listens.</summary>
    /// <exception cref="KeyNotFoundException">No server of that name listens (yet); the message names those that do.</exception>
    public ActorNetServer this[string name] => TryGet(name, out var server)
        ? server
        : throw new KeyNotFoundException($"No ActorNet server named \"{name}\" listens in this ActorSystem; listening: [{string.Join(", ", Names)}].");

    /// <summary>The server named <paramref name="name"/> if it listens; false while it does not (yet).</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out ActorNetServer? server)
    {
        ArgumentNullException.ThrowIfNull(name);
        server = _servers.TryGetValue(name, out var entry) && entry.Task.IsCompletedSuccessfully ? entry.Task.Result : null;
        return server is not null;
    }

    /// <summary>
    /// The server named <paramref name="name"/>, once it listens: from another hosted service that may start before
    /// the ActorSystem's.
    /// </summary>
    /// <exception cref="Transport.NetException">That server failed to listen (e.g. <c>EADDRINUSE</c>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled, or the ActorSystem
    /// terminated, before the server listened.</exception>
    public Task<ActorNetServer> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        var entry = Entry(name);
        if (Terminated.IsCompleted) entry.TrySetCanceled();
        return entry.Task.WaitAsync(cancellationToken);
    }

    internal void Listening(string name, ActorNetServer server) => Entry(name).TrySetResult(server);

    internal void Failed(string name, Exception error) => Entry(name).TrySetException(error);

    private TaskCompletionSource<ActorNetServer> Entry(string name) =>
        _servers.GetOrAdd(name, _ => new TaskCompletionSource<ActorNetServer>(TaskCreationOptions.RunContinuationsAsynchronously));
}
