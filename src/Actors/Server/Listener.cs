using Akka.Actor;
using Akka.Event;
using ActorNet.Transport;

namespace ActorNet.Server;

/// <summary>
/// The accept loop of one listening endpoint: accepted connections go straight to the supervisor
/// (which outlives the listener, so none is lost on close); it
/// backs off on transient accept errors (EMFILE, ENFILE, ENOBUFS) instead of spinning or crashing.
/// </summary>
internal sealed class Listener : ReceiveActor, IWithTimers
{
    // ranch and thousand_island back off on emfile rather than crash; so do we.
    private static readonly TimeSpan AcceptBackoff = TimeSpan.FromMilliseconds(100);
    // A lasting condition (e.g. EMFILE) fails every retry: one warning a second, with the count.
    private static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(1);

    private readonly ITransportListener _listener;
    private readonly IActorRef _supervisor;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private int _failuresSinceWarning;
    private long _nextWarningAt;

    public Listener(ITransportListener listener, IActorRef supervisor)
    {
        _listener = listener;
        _supervisor = supervisor;
        Receive<TransportAcceptFailed>(failed =>
        {
            _failuresSinceWarning++;
            var now = Environment.TickCount64;
            if (now >= _nextWarningAt)
            {
                _log.Warning("Accept on {EndPoint} failed with {Error} ({Failures} times since the last warning); retrying every {Backoff}",
                    _listener.LocalEndPoint, failed.Error, _failuresSinceWarning, AcceptBackoff);
                _failuresSinceWarning = 0;
                _nextWarningAt = now + (long)WarningInterval.TotalMilliseconds;
            }
            Timers.StartSingleTimer("resume", ResumeAccepting.Instance, AcceptBackoff);
        });
        Receive<ResumeAccepting>(_ => _listener.ResumeAccepting());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ITransportListener listener, IActorRef supervisor) =>
        Akka.Actor.Props.Create(() => new Listener(listener, supervisor));

    protected override void PreStart() => _listener.StartAccepting(_supervisor, Self);

    // Closing the listen socket is what refuses new connects (docs/architecture.md, "Drain and shutdown").
    protected override void PostStop() => _listener.Close();

    private sealed record ResumeAccepting
    {
        public static ResumeAccepting Instance { get; } = new();
    }
}
