using Akka.Actor;
using Akka.Event;
using ActorNet.Connection;
using ActorNet.Diagnostics;
using ActorNet.Dispatch;
using ActorNet.Handlers;
using ActorNet.Protocol;
using ActorNet.Transport;

namespace ActorNet.Server;

/// <summary>
/// Owns every socket actor of one server: admission (max-connections, drops), the live count, and
/// the drain (Closed when the count reaches zero; Shutdown at the deadline; abort after the grace).
/// </summary>
internal sealed class ConnectionSupervisor : ReceiveActor, IWithTimers
{
    // At the open-files limit every new connection is closed; one warning a second says how many.
    private static readonly TimeSpan ShedLogInterval = TimeSpan.FromSeconds(1);

    private readonly ConnectionSettings _settings;
    private readonly Func<IConnectionHandler> _handlerFactory;
    private readonly int _maxConnections;
    private readonly SocketDispatch _dispatch;
    private readonly LiveConnections _nodeLive;
    private readonly ServerMetrics? _metrics;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private int _live;
    private bool _draining;
    private TimeSpan _grace;
    private int _endedAtDeadline;
    private int _aborted;
    private int _droppedSinceLog;
    private System.Net.EndPoint? _lastDropped;
    private long _nextDropLogAt;
    private int _shedSinceLog;
    private long _nextShedLogAt;

    public ConnectionSupervisor(ConnectionSettings settings, Func<IConnectionHandler> handlerFactory, int maxConnections)
    {
        _dispatch = SocketDispatch.Get(Context.System);
        _nodeLive = LiveConnections.Get(Context.System);
        _settings = settings;
        _metrics = settings.Metrics;
        _handlerFactory = handlerFactory;
        _maxConnections = maxConnections;

        Receive<TransportAccepted>(accepted => Admit(accepted.Connection));
        Receive<Terminated>(_ => Released());
        Receive<StartDrain>(start => BeginDrain(start));
        Receive<DropLogDue>(_ => LogDropped());
        Receive<DrainDeadline>(_ => ShutdownAll(ShutdownReason.Drain));
        Receive<DrainGraceOver>(_ => ShutdownAll(ShutdownReason.Abort));
        Receive<ServerProtocol.ForceClose>(_ => ShutdownAll(ShutdownReason.Abort));
        Receive<ServerProtocol.GetConnectionCount>(_ => Sender.Tell(new ServerProtocol.ConnectionCount(_live)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ConnectionSettings settings, Func<IConnectionHandler> handlerFactory, int maxConnections) =>
        Akka.Actor.Props.Create(() => new ConnectionSupervisor(settings, handlerFactory, maxConnections));

    // Stopped with connections still live (the ActorSystem terminating): they stop with it, so the node's count drops.
    protected override void PostStop()
    {
        _nodeLive.Add(-_live);
        if (_live > 0) _metrics?.Released(_live);
    }

    // A failing handler takes down its own connection only (the socket actor resets it in PostStop).
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(_ => Directive.Stop);

    private void Admit(ITransportConnection connection)
    {
        if (DescriptorLimit.IsPastLine(connection.Descriptor))
        {
            Shed(connection);
            return;
        }
        if (_draining || (_maxConnections > 0 && _live >= _maxConnections))
        {
            // Closed before anything is read: the peer sees FIN, or RST if its data had arrived.
            connection.Close();
            _metrics?.Rejected(_draining ? RejectionReason.Draining : RejectionReason.MaxConnections);
            if (_draining) return;
            Dropped(connection);
            Context.Parent.Tell(new ServerProtocol.ConnectionDropped(connection.LocalEndPoint, connection.RemoteEndPoint, _live));
            return;
        }
        var id = SocketActor.NextConnectionId();
        var props = _dispatch.WithSocketDispatcher(SocketActor.Props(connection, _handlerFactory, _settings, id));
        var child = Context.ActorOf(props, "conn-" + id);
        Context.Watch(child);
        _live++;
        _nodeLive.Add(1);
        _metrics?.Accepted();
    }

    // A burst over max-connections (hundreds a second) is one line a second with the count; the last drops of a
    // burst are reported when the second is over, so the counts add up.
    private void Dropped(ITransportConnection connection)
    {
        _droppedSinceLog++;
        _lastDropped = connection.RemoteEndPoint;
        var now = Environment.TickCount64;
        if (now >= _nextDropLogAt) LogDropped();
        else if (!Timers.IsTimerActive(nameof(DropLogDue)))
            Timers.StartSingleTimer(nameof(DropLogDue), DropLogDue.Instance, TimeSpan.FromMilliseconds(_nextDropLogAt - now));
    }

    private void LogDropped()
    {
        if (_droppedSinceLog == 0) return;
        _log.Info("Dropped {Dropped} new connections (the last from {RemoteEndPoint}): {Live} connections live (max-connections {MaxConnections})",
            _droppedSinceLog, _lastDropped, _live, _maxConnections);
        _droppedSinceLog = 0;
        _nextDropLogAt = Environment.TickCount64 + (long)ShedLogInterval.TotalMilliseconds;
    }

    // Near the open-files limit: closed at once (a prompt FIN, or RST if its data had arrived), so the descriptors
    // the runtime and the process need stay free; serving resumes as soon as live connections close.
    private void Shed(ITransportConnection connection)
    {
        connection.Close();
        _metrics?.Rejected(RejectionReason.OpenFiles);
        _shedSinceLog++;
        var now = Environment.TickCount64;
        if (now < _nextShedLogAt) return;
        _log.Warning("At the open-files limit: closed {Shed} new connections at once since the last warning; {Live} live here, descriptor {Descriptor} of {Limit}",
            _shedSinceLog, _live, connection.Descriptor, DescriptorLimit.Limit);
        _shedSinceLog = 0;
        _nextShedLogAt = now + (long)ShedLogInterval.TotalMilliseconds;
    }

    private void Released()
    {
        _live--;
        _nodeLive.Add(-1);
        _metrics?.Released(1);
        if (_draining && _live == 0) Drained();
    }

    private void BeginDrain(StartDrain start)
    {
        if (_draining) return;
        _draining = true;
        _grace = start.Grace;
        if (_live == 0)
        {
            Drained();
            return;
        }
        _log.Info("Draining {Live} connections (deadline {DrainTimeout})", _live, start.Deadline);
        if (start.Deadline == TimeSpan.Zero) ShutdownAll(ShutdownReason.Abort);
        else Timers.StartSingleTimer(nameof(DrainDeadline), DrainDeadline.Instance, start.Deadline);
    }

    private void ShutdownAll(ShutdownReason reason)
    {
        if (_live == 0) return;
        if (reason == ShutdownReason.Drain)
        {
            _log.Info("Drain deadline passed: ending {Live} connections", _live);
            _endedAtDeadline += _live;
            Timers.StartSingleTimer(nameof(DrainGraceOver), DrainGraceOver.Instance, _grace);
        }
        else
        {
            _log.Info("Aborting {Live} connections", _live);
            _aborted += _live;
        }
        var shutdown = new SocketInput.Shutdown(reason);
        foreach (var child in Context.GetChildren()) child.Tell(shutdown);
    }

    private void Drained()
    {
        LogDropped();
        Timers.CancelAll();
        Context.Parent.Tell(new ServerDrained(_endedAtDeadline, _aborted));
    }

    /// <summary>Stop admitting; drain with <paramref name="Deadline"/> and <paramref name="Grace"/>.</summary>
    internal sealed record StartDrain(TimeSpan Deadline, TimeSpan Grace);

    internal sealed record DropLogDue
    {
        public static DropLogDue Instance { get; } = new();
    }

    internal sealed record DrainDeadline
    {
        public static DrainDeadline Instance { get; } = new();
    }

    internal sealed record DrainGraceOver
    {
        public static DrainGraceOver Instance { get; } = new();
    }
}

/// <summary>
/// The supervisor's live count reached zero during a drain; <paramref name="EndedAtDeadline"/> connections were told
/// to end at the drain deadline and <paramref name="Aborted"/> were force-closed (both 0: every one drained).
/// </summary>
internal sealed record ServerDrained(int EndedAtDeadline, int Aborted);
