using System.Diagnostics;
using System.Runtime;
using Akka.Actor;
using Akka.Event;

namespace ActorNet.Server;

/// <summary>
/// Gives memory back to the OS after a burst (<c>actornet.host.idle-memory-trim</c>): once the process allocated
/// a lot since the last trim and then went quiet, one aggressive full GC compacts the heap and decommits what it
/// no longer needs, then glibc's malloc_trim gives back the native heap's free pages. Without it, the GC keeps the
/// memory a burst of connection setups committed (about half of an idle connection's RSS). It never runs under load: a quiet second (little allocation, under 15 % CPU) is the condition.
/// </summary>
/// <remarks>
/// The once-a-second check runs on Akka's scheduler thread, which wakes anyway: as an actor's timer it woke a
/// thread-pool worker every second, a third of an idle server's CPU. Only a trim itself goes to the thread pool.
/// </remarks>
internal sealed class MemoryTrimmer
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private const long QuietBytesPerTick = 256L * 1024;  // allocated during the last tick
    // 15 % of one core: in the seconds after a burst of 10,000 connection setups the runtime alone (tiered JIT,
    // thread pool) still takes 60-90 ms a second, which a 5 % limit took for load (bench f: no trim in 2 of 3 runs).
    private static readonly TimeSpan QuietCpuPerTick = TimeSpan.FromMilliseconds(150);

    private readonly ILoggingAdapter _log;
    private readonly long _burstBytes;
    private long _atLastTrim = GC.GetTotalAllocatedBytes();
    private long _atLastTick = GC.GetTotalAllocatedBytes();
    private TimeSpan _cpuAtLastTick = Environment.CpuUsage.TotalTime;
    private int _trimming;

    private MemoryTrimmer(ActorSystem system, long burstBytes)
    {
        _log = Logging.GetLogger(system, typeof(MemoryTrimmer));
        _burstBytes = burstBytes;
    }

    /// <summary>Starts checking once a second until the system terminates.</summary>
    /// <param name="system">Whose scheduler runs the check and whose log gets the trims.</param>
    /// <param name="burstBytes">Bytes allocated since the last trim before a quiet second trims again.</param>
    public static void Start(ActorSystem system, long burstBytes)
    {
        var trimmer = new MemoryTrimmer(system, burstBytes);
        system.Scheduler.Advanced.ScheduleRepeatedly(Tick, Tick, trimmer.OnTick);
    }

    private void OnTick()
    {
        var now = GC.GetTotalAllocatedBytes();
        // Quiet means little allocation and little CPU: the echo path allocates next to nothing under load.
        var cpu = Environment.CpuUsage.TotalTime;
        var quiet = now - _atLastTick < QuietBytesPerTick && cpu - _cpuAtLastTick < QuietCpuPerTick;
        _atLastTick = now;
        _cpuAtLastTick = cpu;
        if (!quiet || now - _atLastTrim < _burstBytes || Interlocked.Exchange(ref _trimming, 1) == 1) return;
        _atLastTrim = now;
        ThreadPool.UnsafeQueueUserWorkItem(static trimmer => trimmer.Trim(), this, preferLocal: false);
    }

    private void Trim()
    {
        var before = Environment.WorkingSet;
        var started = Stopwatch.GetTimestamp();
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        // glibc keeps what the burst freed in its arenas (0.3-0.6 KiB per idle connection measured) until asked.
        NativeHeap.ReturnFreePages();
        _log.Debug("Idle memory trim in {PauseMs} ms: working set {Before} -> {After} bytes",
            (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, before, Environment.WorkingSet);
        Volatile.Write(ref _trimming, 0);
    }
}
