using System.Runtime.InteropServices;
using Akka.Actor;
using ActorNet.Options;
using ActorNet.Transport;
using ActorNet.Transport.AkkaIo;
using ActorNet.Transport.InMemory;
using ActorNet.Transport.Sockets;

namespace ActorNet.Server;

/// <summary>
/// The transports a server can be configured with (<c>actornet.server.transport</c>): their names, what <c>auto</c>
/// means on this machine, which ones work here, and the <see cref="ITransport"/> each name makes. The reader
/// (<see cref="ServerOptionsReader.Read"/>) checks names against it and <see cref="ServerActor"/> creates from it.
/// </summary>
public static class TransportRegistry
{
    /// <summary>System.Net.Sockets with readiness from .NET's socket engine; any OS.</summary>
    public const string Sockets = "sockets";

    /// <summary>System.Net.Sockets with readiness from ActorNet's own epoll loops; Linux on x64 or arm64.</summary>
    public const string Epoll = "epoll";

    /// <summary>Not a transport of its own: <see cref="Epoll"/> where it is supported, else <see cref="Sockets"/>.</summary>
    public const string Auto = "auto";

    /// <summary>Akka.IO's Tcp.</summary>
    public const string AkkaIo = "akka-io";

    /// <summary>No sockets: listeners reachable only inside this process (<see cref="InMemoryTransport"/>).</summary>
    public const string InMemory = "in-memory";

    /// <summary>Every name <c>actornet.server.transport</c> takes, <see cref="Auto"/> included.</summary>
    public static IReadOnlyList<string> Names { get; } = [Sockets, Epoll, Auto, AkkaIo, InMemory];

    /// <summary>The transport <paramref name="name"/> stands for here: <see cref="Auto"/> resolved, any other name as it is.</summary>
    /// <exception cref="ArgumentException">The name is unknown, or names a transport this machine does not have.</exception>
    public static string Resolve(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return TryResolve(name, out var resolved, out var problem) ? resolved : throw new ArgumentException(problem, nameof(name));
    }

    /// <summary>Makes the transport <paramref name="name"/> stands for (see <see cref="Resolve"/>) for one server.</summary>
    /// <param name="name">A name in <see cref="Names"/>.</param>
    /// <param name="system">The server's ActorSystem (akka-io runs its actors there).</param>
    /// <param name="options">The server's options (akka-io applies keep-alive and no-delay itself).</param>
    /// <exception cref="ArgumentException">The name is unknown, or names a transport this machine does not have.</exception>
    public static ITransport Create(string name, ActorSystem system, ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(options);
        return Resolve(name) switch
        {
            Sockets => SocketsTransport.Instance,
            Epoll => SocketsTransport.Epoll,
            AkkaIo => new AkkaIoTransport(system, options.KeepAlive, options.NoDelay),
            InMemory => InMemoryTransport.Instance,
            var other => throw new InvalidOperationException($"transport \"{other}\" is in Names but Create cannot make it"),
        };
    }

    /// <summary>Like <see cref="Resolve"/>, with the problem as text for the caller's own error (the reader names the key).</summary>
    internal static bool TryResolve(string name, out string resolved, out string problem)
    {
        resolved = name;
        problem = "";
        if (name == Auto) resolved = SocketsTransport.EpollSupported ? Epoll : Sockets;
        else if (!Names.Contains(name))
            problem = $"unknown transport \"{name}\" (expected one of: {string.Join(", ", Names)})";
        else if (name == Epoll && !SocketsTransport.EpollSupported)
            problem = $"epoll needs Linux on x64 or arm64 (this is {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}); use sockets or auto";
        return problem.Length == 0;
    }
}
