using System.Net.Sockets;
using System.Reflection;
using Akka.Actor;
using Akka.Event;
using Akka.IO;
using ActorNet.Options;
using ActorNet.Transport.Sockets;

namespace ActorNet.Transport.AkkaIo;

/// <summary>
/// The parent of one listener's Akka.IO connections. ActorNet accepts (a <see cref="SocketsListener"/>, which keeps
/// to the open-files line and backs off at EMFILE); each accepted socket becomes Akka.IO's own connection actor here,
/// which reports <see cref="Tcp.Connected"/> back, and is handed to the server as an <see cref="AkkaIoConnection"/>.
/// Akka's own listener is not used: it accepts until the process has no descriptor left, and its <c>Unbind</c> would
/// stop every live connection with it. Connections that finish connecting after the server closed are closed at once
/// (counted, one line a second); the acceptor stops once every connection it handed out is closed.
/// </summary>
internal sealed class AkkaIoAcceptor : ReceiveActor, IWithTimers
{
    // Connections closed while the server drains: one line a second with the count, not one per connection.
    private static readonly TimeSpan ClosedLogInterval = TimeSpan.FromSeconds(1);

    // Akka.IO's per-connection actor for an accepted socket, as its listener creates it. Internal to Akka: checked
    // once, so that an Akka.IO without it fails the listen with a clear error instead of a connection at a time.
    private static readonly ConstructorInfo? IncomingConnection = typeof(Tcp).Assembly
        .GetType("Akka.IO.TcpIncomingConnection")
        ?.GetConstructor([typeof(TcpSettings), typeof(Socket), typeof(IActorRef), typeof(IEnumerable<Inet.SocketOption>), typeof(bool)]);

    private readonly KeepAliveOptions _keepAlive;
    private readonly bool _noDelay;
    private readonly TcpSettings _settings;
    private readonly Inet.SocketOption[] _socketOptions;
    // Each Akka.IO connection actor's socket: its Connected carries no handle, and ActorNet needs one to notice a reset
    // on a connection it is not reading and to change options on a live connection.
    private readonly Dictionary<IActorRef, Socket> _sockets = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef _connections = ActorRefs.Nobody;
    private bool _gated;
    private int _bridges;
    private int _tcpConnections;
    private int _closedSinceLog;
    private System.Net.EndPoint? _lastClosed;
    private long _nextClosedLogAt;

    public AkkaIoAcceptor(KeepAliveOptions keepAlive, bool noDelay)
    {
        _keepAlive = keepAlive;
        _noDelay = noDelay;
        _settings = Context.System.WithExtension<TcpExt, Tcp>().Settings;
        _socketOptions = [new AcceptedSocketOptions(_keepAlive, _noDelay)];
        Receive<StartAccepting>(start => _connections = start.Connections);
        Receive<AcceptedSocket>(accepted => Adopt(accepted.Socket));
        Receive<Tcp.Connected>(connected => Accept(connected, Sender));
        Receive<Gate>(_ => _gated = true);
        Receive<Terminated>(_ => _bridges--);
        Receive<TcpConnectionEnded>(Forget);
        Receive<ClosedLogDue>(_ => LogClosed());
        Receive<Release>(_ =>
        {
            // Stopping stops every Akka.IO connection actor still closing, and one stopped before it handled its
            // Close resets its socket: wait until every bridge and every Akka.IO connection actor has ended.
            if (Ended) Context.Stop(Self);
            else Become(Releasing);
        });
    }

    /// <summary>Whether this Akka.IO has the connection actor the acceptor creates (see the class summary).</summary>
    public static bool Supported => IncomingConnection is not null;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    // As Akka's listener supervises its connections: a failure stops that connection only.
    protected override SupervisorStrategy SupervisorStrategy() => Tcp.ConnectionSupervisorStrategy;

    protected override void PostStop() => LogClosed();

    public static Props Props(KeepAliveOptions keepAlive, bool noDelay) =>
        Akka.Actor.Props.Create(() => new AkkaIoAcceptor(keepAlive, noDelay));

    private bool Ended => _bridges == 0 && _tcpConnections == 0;

    // An Akka.IO connection actor that never reported Connected leaves no socket behind here.
    private void Forget(TcpConnectionEnded ended)
    {
        _tcpConnections--;
        _sockets.Remove(ended.Tcp);
    }

    private void Releasing()
    {
        Receive<Terminated>(_ =>
        {
            _bridges--;
            if (Ended) Context.Stop(Self);
        });
        Receive<TcpConnectionEnded>(ended =>
        {
            Forget(ended);
            if (Ended) Context.Stop(Self);
        });
        Receive<AcceptedSocket>(accepted => accepted.Socket.Dispose());
        Receive<Tcp.Connected>(connected => Refuse(connected, Sender));
        ReceiveAny(_ => { });
    }

    // Pull mode: the connection reads nothing until its socket actor asks (one ResumeReading per chunk), so a paused
    // socket leaves the bytes in the kernel.
    private void Adopt(Socket socket)
    {
        if (_gated)
        {
            socket.Dispose();
            ClosedWhileClosing(null);
            return;
        }
        var tcp = Context.ActorOf(Akka.Actor.Props.Create(IncomingConnection!.DeclaringType!, _settings, socket, Self, _socketOptions, true)
            .WithDeploy(Deploy.Local));
        Context.WatchWith(tcp, new TcpConnectionEnded(tcp));
        _sockets[tcp] = socket;
        _tcpConnections++;
    }

    private void Accept(Tcp.Connected connected, IActorRef tcp)
    {
        _sockets.Remove(tcp, out var socket);
        if (_gated)
        {
            Refuse(connected, tcp);
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

    private void ClosedWhileClosing(System.Net.EndPoint? remote)
    {
        _closedSinceLog++;
        _lastClosed = remote ?? _lastClosed;
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

    // Closed at once, and its socket handle dropped from the options' table.
    private void Refuse(Tcp.Connected connected, IActorRef tcp)
    {
        _sockets.Remove(tcp);
        tcp.Tell(Tcp.Close.Instance);
    }

    public sealed record StartAccepting(IActorRef Connections);

    public sealed record Gate
    {
        public static Gate Instance { get; } = new();
    }

    private sealed record TcpConnectionEnded(IActorRef Tcp);

    private sealed record ClosedLogDue
    {
        public static ClosedLogDue Instance { get; } = new();
    }

    public sealed record Release
    {
        public static Release Instance { get; } = new();
    }
}
