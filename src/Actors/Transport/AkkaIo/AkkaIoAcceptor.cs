using Akka.Actor;
using Akka.Event;
using Akka.IO;
using ActorNet.Options;

namespace ActorNet.Transport.AkkaIo;

/// <summary>
/// The bind handler of one Akka.IO listener: binds, and hands
/// each to the server as an <see cref="AkkaIoConnection"/>. After a server close it gates: Akka's <c>Unbind</c>
/// stops the listener and with it every accepted connection (they are its children), so new connections are
/// closed at once and counted as dropped until the server drained; only then it unbinds.
/// </summary>
internal sealed class AkkaIoAcceptor : ReceiveActor, IWithTimers
{
    // Connections closed while the server drains: one line a second with the count, not one per connection.
    private static readonly TimeSpan ClosedLogInterval = TimeSpan.FromSeconds(1);

    private readonly KeepAliveOptions _keepAlive;
    private readonly bool _noDelay;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef _bindRequester = ActorRefs.Nobody;
    private IActorRef _listener = ActorRefs.Nobody;
    private IActorRef _connections = ActorRefs.Nobody;
    private bool _gated;
    private int _bridges;
    private readonly List<(Tcp.Connected Connected, IActorRef Tcp)> _early = [];
    private readonly List<UnhandledMessage> _lostAccepts = [];
    private AcceptedSocketOptions? _options;
    private int _closedSinceLog;
    private System.Net.EndPoint? _lastClosed;
    private long _nextClosedLogAt;

    // Akka 1.5.74's TcpListener starts accepting before it handles its own Bound, and drops an accept that
    // completes in between as unhandled: that socket is never served (the executable's readiness probe and a
    // client right behind it hit this). Unhandled messages go to the event stream, so they are caught there and
    // given back to the listener once it is bound.
    private const string ListenerAcceptCompleted = "Akka.IO.TcpListener+AcceptCompleted";

    public AkkaIoAcceptor(KeepAliveOptions keepAlive, bool noDelay)
    {
        _keepAlive = keepAlive;
        _noDelay = noDelay;
        Receive<StartBind>(start =>
        {
            _bindRequester = Sender;
            _options = new AcceptedSocketOptions(start.ReusePort, _keepAlive, _noDelay);
            var options = new Inet.SocketOption[] { _options };
            // Pull mode: a connection reads nothing until its socket actor asks (one ResumeReading per chunk), so a
            // paused socket leaves the bytes in the kernel.
            Context.System.Tcp().Tell(new Tcp.Bind(Self, start.EndPoint, start.Backlog, options, pullMode: true));
        });
        Receive<UnhandledMessage>(unhandled =>
        {
            if (unhandled.Message.GetType().FullName == ListenerAcceptCompleted) _lostAccepts.Add(unhandled);
        });
        Receive<Tcp.Bound>(bound =>
        {
            _listener = Sender;
            // Everything the listener dropped before this Bound is already in this mailbox, ahead of it.
            Context.System.EventStream.Unsubscribe(Self, typeof(UnhandledMessage));
            foreach (var lost in _lostAccepts.Where(lost => lost.Recipient.Equals(_listener)))
            {
                _log.Debug("akka-io transport: handing an accept the listener dropped while binding back to {Listener}", _listener.Path);
                _listener.Tell(lost.Message, _listener);
            }
            _lostAccepts.Clear();
            _bindRequester.Tell(bound);
        });
        Receive<Tcp.CommandFailed>(failed =>
        {
            _bindRequester.Tell(failed);
            Context.Stop(Self);
        });
        Receive<StartAccepting>(start =>
        {
            _connections = start.Connections;
            // Akka 1.5.74 may accept before ResumeAccepting: those waited here, in order.
            foreach (var (early, tcp) in _early) Accept(early, tcp);
            _early.Clear();
            // Akka 1.5.74's listener accepts on its own from the bind on (ResumeAccepting is a no-op there).
        });
        Receive<Tcp.Connected>(connected => Accept(connected, Sender));
        Receive<Gate>(_ =>
        {
            _gated = true;
            _log.Info("akka-io transport: stopped handing out connections on {EndPoint}; it unbinds once the server drained " +
                "(Akka.IO's Unbind would reset every live connection)", _listener.Path);
        });
        Receive<Terminated>(_ => _bridges--);
        Receive<ClosedLogDue>(_ => LogClosed());
        Receive<Release>(_ =>
        {
            // Unbind stops Akka's listener and with it every connection actor still closing (they would RST):
            // wait until every bridge saw its connection closed.
            if (_bridges == 0) Unbind();
            else Become(Releasing);
        });
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(UnhandledMessage));

    protected override void PostStop()
    {
        LogClosed();
        Context.System.EventStream.Unsubscribe(Self);
    }

    public static Props Props(KeepAliveOptions keepAlive, bool noDelay) =>
        Akka.Actor.Props.Create(() => new AkkaIoAcceptor(keepAlive, noDelay));

    private void Releasing()
    {
        Receive<Terminated>(_ =>
        {
            if (--_bridges == 0) Unbind();
        });
        Receive<Tcp.Connected>(RefuseLate);
        ReceiveAny(_ => { });
    }

    private void Unbind()
    {
        _listener.Tell(Tcp.Unbind.Instance);
        Become(Unbinding);
    }

    private void Unbinding()
    {
        Receive<Tcp.Unbound>(_ => Context.Stop(Self));
        Receive<Tcp.Connected>(RefuseLate);
        ReceiveAny(_ => { });
    }

    private void Accept(Tcp.Connected connected, IActorRef tcp)
    {
        if (_connections.IsNobody())
        {
            _early.Add((connected, tcp));
            return;
        }
        var socket = _options?.Take(connected.RemoteAddress, connected.LocalAddress);
        if (_gated)
        {
            tcp.Tell(Tcp.Close.Instance);
            ClosedWhileClosing(connected.RemoteAddress);
            return;
        }
        var bridge = Context.ActorOf(AkkaIoConnectionBridge.Props(tcp));
        Context.Watch(bridge);
        _bridges++;
        var connection = new AkkaIoConnection(tcp, bridge, socket, connected.LocalAddress, connected.RemoteAddress, _keepAlive, _noDelay);
        bridge.Tell(new AkkaIoConnectionBridge.Bind(connection));
        _connections.Tell(new TransportAccepted(connection));
    }

    private void ClosedWhileClosing(System.Net.EndPoint remote)
    {
        _closedSinceLog++;
        _lastClosed = remote;
        var now = Environment.TickCount64;
        if (now >= _nextClosedLogAt) LogClosed();
        else if (!Timers.IsTimerActive(nameof(ClosedLogDue)))
            Timers.StartSingleTimer(nameof(ClosedLogDue), ClosedLogDue.Instance, TimeSpan.FromMilliseconds(_nextClosedLogAt - now));
    }

    private void LogClosed()
    {
        if (_closedSinceLog == 0) return;
        _log.Info("akka-io transport: closed {Closed} new connections (the last from {RemoteEndPoint}): the server is closing",
            _closedSinceLog, _lastClosed);
        _closedSinceLog = 0;
        _nextClosedLogAt = Environment.TickCount64 + (long)ClosedLogInterval.TotalMilliseconds;
    }

    // After the drain: closed at once, and its socket handle dropped from the options' table.
    private void RefuseLate(Tcp.Connected connected)
    {
        _options?.Take(connected.RemoteAddress, connected.LocalAddress);
        Sender.Tell(Tcp.Close.Instance);
    }

    public sealed record StartBind(System.Net.EndPoint EndPoint, int Backlog, bool ReusePort);

    public sealed record StartAccepting(IActorRef Connections);

    public sealed record Gate
    {
        public static Gate Instance { get; } = new();
    }

    private sealed record ClosedLogDue
    {
        public static ClosedLogDue Instance { get; } = new();
    }

    public sealed record Release
    {
        public static Release Instance { get; } = new();
    }
}
