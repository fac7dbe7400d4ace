using System.Diagnostics;
using System.Runtime;
using Akka.Actor;
using Akka.Event;

namespace ActorNet.Server;

/// <summary>
/// Gives memory back to the OS after a burst (<c>actornet.host.idle-memory-trim</c>): once the process allocated
/// a lot since the last trim and then went quiet, one aggressive full GC compacts the heap and decommits what it
/// no longer needs. Without it, the GC keeps the memory a burst of connection setups committed (about half of an
/// idle connection's RSS). It never runs under load: a quiet second (little allocation, under 15 % CPU) is the condition.
/// </summary>
internal sealed class MemoryTrimmer : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private const long QuietBytesPerTick = 256L * 1024;  // allocated during the last tick
    // 15 % of one core: in the seconds after a burst of 10,000 connection setups the runtime alone (tiered JIT,
    // thread pool) still takes 60-90 ms a second, which a 5 % limit took for load (bench f: no trim in 2 of 3 runs).
    private static readonly TimeSpan QuietCpuPerTick = TimeSpan.FromMilliseconds(150);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _atLastTrim = GC.GetTotalAllocatedBytes();
    private long _atLastTick = GC.GetTotalAllocatedBytes();
    private TimeSpan _cpuAtLastTick = Environment.CpuUsage.TotalTime;

    private readonly long _burstBytes;

    /// <param name="burstBytes">Bytes allocated since the last trim before a quiet second trims again.</param>
    public MemoryTrimmer(long burstBytes)
    {
        _burstBytes = burstBytes;
        Receive<Check>(_ => OnTick());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => Timers.StartPeriodicTimer("trim", Check.Instance, Tick);

    private void OnTick()
    {
        var now = GC.GetTotalAllocatedBytes();
        // Quiet means little allocation and little CPU: the echo path allocates next to nothing under load.
        var cpu = Environment.CpuUsage.TotalTime;
        var quiet = now - _atLastTick < QuietBytesPerTick && cpu - _cpuAtLastTick < QuietCpuPerTick;
        _atLastTick = now;
        _cpuAtLastTick = cpu;
        if (!quiet || now - _atLastTrim < _burstBytes) return;
        _atLastTrim = now;
        var before = Environment.WorkingSet;
        var started = Stopwatch.GetTimestamp();
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _log.Debug("Idle memory trim in {PauseMs} ms: working set {Before} -> {After} bytes",
            (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, before, Environment.WorkingSet);
    }

    private sealed record Check
    {
        public static Check Instance { get; } = new();
    }
}
