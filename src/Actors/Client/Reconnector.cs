using Akka.Actor;
using Akka.Event;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Protocol;

namespace ActorNet;

/// <summary>
/// Keeps one client connection up under a <see cref="ReconnectPolicy"/>: each attempt is a fresh socket actor
/// (the socket itself never retries), with a fresh handler from the factory. Tells its owner
/// <see cref="ReconnectProtocol.Reconnecting"/> and finally <see cref="ReconnectProtocol.GaveUp"/>.
/// </summary>
public sealed class Reconnector : ReceiveActor, IWithTimers
{
    private readonly ConnectOptions _options;
    private readonly Func<IConnectionHandler> _handlerFactory;
    private readonly ReconnectPolicy _policy;
    private readonly IActorRef _owner;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef? _socket;
    private int _failures;
    private bool _connected;
    private NetError? _lastError;

    /// <summary>Use <see cref="Props"/>.</summary>
    public Reconnector(ConnectOptions options, Func<IConnectionHandler> handlerFactory, ReconnectPolicy policy, IActorRef owner)
    {
        _options = options;
        _handlerFactory = handlerFactory;
        _policy = policy;
        _owner = owner;
        Receive<SocketUp>(_ =>
        {
            _connected = true;
            _failures = 0;
        });
        Receive<SocketFailed>(failed => _lastError = failed.Error);
        // The handler's close comes before Terminated from the same socket (Terminated, a system message, could
        // overtake earlier user messages); Terminated alone means the handler threw.
        Receive<SocketClosed>(_ => Sender.Equals(_socket), _ => OnSocketGone());
        Receive<Terminated>(t => t.ActorRef.Equals(_socket), _ => OnSocketGone());
        Receive<Attempt>(_ => StartAttempt());
        Receive<ReconnectProtocol.Stop>(_ =>
        {
            Timers.CancelAll();
            if (_socket is null) Context.Stop(Self);
            else
            {
                _socket.Tell(SocketProtocol.End.Instance);
                Become(Stopping);
            }
        });
    }

    /// <summary>Timers for the back-off.</summary>
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props; options and policy are validated here, on the caller's thread.</summary>
    /// <exception cref="ArgumentException">A bad option or policy value, named in the message.</exception>
    public static Props Props(ConnectOptions options, Func<IConnectionHandler> handlerFactory, ReconnectPolicy policy, IActorRef owner)
    {
        ArgumentNullException.ThrowIfNull(handlerFactory);
        ArgumentNullException.ThrowIfNull(owner);
        options.Validate();
        policy.Validate();
        return Akka.Actor.Props.Create(() => new Reconnector(options, handlerFactory, policy, owner));
    }

    /// <inheritdoc />
    protected override void PreStart() => StartAttempt();

    private void Stopping()
    {
        Receive<Terminated>(_ => Context.Stop(Self));
        Receive<SocketClosed>(_ => Context.Stop(Self));
        ReceiveAny(_ => { });
    }

    private void StartAttempt()
    {
        _connected = false;
        _socket = Net.Connect(Context, _options, new Notifier(_handlerFactory(), Self));
        Context.Watch(_socket);
    }

    private void OnSocketGone()
    {
        Context.Unwatch(_socket);
        _socket = null;
        if (!_connected) _failures++;
        if (_failures >= _policy.MaxAttempts)
        {
            _log.Warning("Giving up on {Host}:{Port} after {Attempts} attempts: {Error}", _options.Host, _options.Port, _failures, _lastError);
            _owner.Tell(new ReconnectProtocol.GaveUp(_failures, _lastError));
            Context.Stop(Self);
            return;
        }
        var attempt = _failures + 1;
        var delay = _policy.DelayBefore(Math.Max(2, attempt));
        _owner.Tell(new ReconnectProtocol.Reconnecting(attempt, delay, _lastError));
        Timers.StartSingleTimer(nameof(Attempt), Attempt.Instance, delay);
    }

    private sealed record Attempt
    {
        public static Attempt Instance { get; } = new();
    }

    private sealed record SocketUp;

    private sealed record SocketFailed(NetError Error);

    private sealed record SocketClosed;

    /// <summary>Passes events to the user's handler and tells the reconnector about connect and errors.</summary>
    private sealed class Notifier(IConnectionHandler inner, IActorRef reconnector) : HandlerDecorator(inner)
    {
        public override void OnConnect(ISocket socket)
        {
            reconnector.Tell(new SocketUp(), socket.Self);
            Inner.OnConnect(socket);
        }

        public override void OnError(ISocket socket, NetError error)
        {
            reconnector.Tell(new SocketFailed(error), socket.Self);
            Inner.OnError(socket, error);
        }

        public override void OnClose(ISocket socket, bool hadError)
        {
            Inner.OnClose(socket, hadError);
            reconnector.Tell(new SocketClosed(), socket.Self);
        }
    }
}
