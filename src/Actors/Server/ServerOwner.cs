using System.Net;
using Akka.Actor;
using ActorNet.Protocol;
using ActorNet.Transport;

namespace ActorNet.Server;

/// <summary>
/// The parent of one <see cref="ServerActor"/> started through <see cref="ActorNetServer.StartAsync(ActorSystem, Options.ServerOptions, Handlers.HandlerRegistry?, ITransport?, string?, CancellationToken)"/>:
/// sends Listen, turns the reply into a task, and completes another task once the server has closed and drained.
/// It stops itself (and so the server) after that, or when the listen failed.
/// </summary>
internal sealed class ServerOwner : ReceiveActor
{
    private static readonly NetError StoppedBeforeListening =
        new("ERR_SERVER_NOT_RUNNING", "listen", "the server stopped before it listened");

    private readonly TaskCompletionSource<(EndPoint EndPoint, IActorRef Server)> _started;
    private readonly TaskCompletionSource _completion;
    private readonly IActorRef _server;

    public ServerOwner(Props serverProps, TaskCompletionSource<(EndPoint EndPoint, IActorRef Server)> started, TaskCompletionSource completion)
    {
        _started = started;
        _completion = completion;
        _server = Context.ActorOf(serverProps, "server");
        Context.Watch(_server);

        Receive<ServerProtocol.Listening>(listening => _started.TrySetResult((listening.EndPoint, _server)));
        Receive<ServerProtocol.ServerError>(error =>
        {
            // Once listening, the only ServerError is a Close that found the server already closing: nothing to do.
            if (_started.TrySetException(new NetException(error.Error))) Context.Stop(Self);
        });
        Receive<ServerProtocol.Closed>(_ => Context.Stop(Self));
        Receive<Terminated>(_ => Context.Stop(Self));
        Receive<Drain>(_ => _server.Tell(ServerProtocol.Close.Instance));
        Receive<Abort>(_ =>
        {
            // Close first: ForceClose on a listening server would only end connections (FIN); while closing it resets them.
            _server.Tell(ServerProtocol.Close.Instance);
            _server.Tell(ServerProtocol.ForceClose.Instance);
        });
        ReceiveAny(_ => { }); // Unbound, ConnectionDropped
    }

    /// <inheritdoc />
    protected override void PreStart() => _server.Tell(ServerProtocol.Listen.Instance, Self);

    /// <inheritdoc />
    protected override void PostStop()
    {
        _started.TrySetException(new NetException(StoppedBeforeListening));
        _completion.TrySetResult();
    }

    // A server actor that throws would lose its listen socket and live count on a restart: stop it, which ends this owner.
    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    /// <summary>Props for an owner of a server made from <paramref name="serverProps"/>.</summary>
    public static Props Props(Props serverProps, TaskCompletionSource<(EndPoint EndPoint, IActorRef Server)> started, TaskCompletionSource completion) =>
        Akka.Actor.Props.Create(() => new ServerOwner(serverProps, started, completion));

    /// <summary>Stop accepting and drain (<see cref="ServerProtocol.Close"/>).</summary>
    internal sealed record Drain
    {
        public static Drain Instance { get; } = new();
    }

    /// <summary>Stop accepting and reset every live connection.</summary>
    internal sealed record Abort
    {
        public static Abort Instance { get; } = new();
    }
}
