using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ActorNet.Protocol;

namespace ActorNet.Transport.Sockets;

/// <summary>
/// One of ActorNet's own epoll loops (Linux): a background thread that waits on an edge-triggered epoll set and
/// hands each readiness edge to its <see cref="EpollConnection"/>. Unlike .NET's socket engine it makes no
/// system call to arm a wait or to complete one: per echoed message the socket sees one read and one write,
/// as under libuv. There is one loop per core, shared by every server in the process. The loops have a lifetime:
/// they start with the first share taken (<see cref="Acquire"/>: an epoll listener, or a connection attached to a
/// loop) and stop when the last share is given back (<see cref="Release"/>), so a process whose servers all closed
/// keeps no loop threads.
/// A loop that just handled edges may poll for the next ones for a moment (busy-poll) instead of sleeping in epoll_wait:
/// the sleep and the wake-up cost a request-response connection several microseconds per round trip. How long it polls
/// adapts, as Linux's halt-polling does: a wait the window would have covered grows it, a longer one halves it, so a
/// loop whose traffic comes in gaps longer than the window stops polling at all.
/// </summary>
internal sealed unsafe class EpollLoop
{
    internal const uint EpollIn = 0x001;
    internal const uint EpollOut = 0x004;
    internal const uint EpollErr = 0x008;
    internal const uint EpollHup = 0x010;
    internal const uint EpollRdHup = 0x2000;
    private const uint EpollEt = 1u << 31;
    private const int EpollCtlAdd = 1;
    private const int EpollCloExec = 0x80000;
    private const int EfdNonBlock = 0x800;
    private const int Eintr = 4;
    private const int MaxEvents = 256;
    // The registration id of the loop's own eventfd, which Stop writes to; no connection has it (slot -1).
    private const long WakeId = -1;

    private static readonly object Gate = new();
    private static EpollLoop[]? s_loops;
    private static int s_shares;
    private static int s_next;
    private static int s_running;
    // The busy-poll windows asked for by the listeners holding shares, with their counts; the longest applies.
    private static readonly SortedDictionary<TimeSpan, int> s_busyPolls = [];
    private static long s_busyPollTicks;

    // x86-64 packs struct epoll_event (12 bytes, data at offset 4); arm64 aligns it (16 bytes, data at 8).
    private static readonly bool Packed = RuntimeInformation.ProcessArchitecture == Architecture.X64;
    private static readonly int EventSize = Packed ? 12 : 16;
    private static readonly int DataOffset = Packed ? 4 : 8;

    private readonly int _epfd;
    private readonly int _wakeFd;
    private bool _stopping;
    // Registered connections by slot. An edge carries (generation << 32 | slot): a slot reused by a newer
    // connection has another generation, so an edge fetched for the old one is dropped, never misdelivered.
    private readonly object _slotsGate = new();
    private readonly Stack<int> _freeSlots = new();
    private EpollConnection?[] _slots = new EpollConnection?[64];
    private int _usedSlots;
    private uint _generation;

    private EpollLoop(int index)
    {
        _epfd = epoll_create1(EpollCloExec);
        if (_epfd < 0) throw Failure("epoll_create1", Marshal.GetLastPInvokeError());
        _wakeFd = eventfd(0, EpollCloExec | EfdNonBlock);
        if (_wakeFd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            close(_epfd);
            throw Failure("eventfd", errno);
        }
        var ev = stackalloc byte[16];
        *(uint*)ev = EpollIn;
        *(long*)(ev + DataOffset) = WakeId;
        if (epoll_ctl(_epfd, EpollCtlAdd, _wakeFd, ev) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            CloseHandles();
            throw Failure("epoll_ctl", errno);
        }
        Interlocked.Increment(ref s_running);
        try
        {
            new Thread(Run) { IsBackground = true, Name = $"actornet-epoll-{index}" }.Start();
        }
        catch (OutOfMemoryException)
        {
            // What the runtime throws when the OS refuses a thread (e.g. no descriptor left for it): nothing leaks.
            Interlocked.Decrement(ref s_running);
            CloseHandles();
            throw new NetException(new NetError("EAGAIN", "pthread_create", "could not start an epoll loop thread"));
        }
    }

    /// <summary>Linux on x64 or arm64, where the epoll_event layout is known.</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>Loop threads running now (tests check that the loops stop).</summary>
    internal static int RunningLoops => Volatile.Read(ref s_running);

    /// <summary>
    /// Takes a share of the loops, starting them when none runs, and returns the loop for the next connection
    /// (round robin). Every share is given back with <see cref="Release"/>. Throws <see cref="NetException"/>
    /// (e.g. EMFILE) when the loops cannot be made.
    /// </summary>
    /// <param name="busyPoll">The longest the loops may poll after an edge (see the class summary); zero = no wish.
    /// The longest among the shares held applies to every loop.</param>
    public static EpollLoop Acquire(TimeSpan busyPoll = default)
    {
        lock (Gate)
        {
            var loops = s_loops ??= StartLoops();
            s_shares++;
            if (busyPoll > TimeSpan.Zero)
            {
                s_busyPolls[busyPoll] = s_busyPolls.GetValueOrDefault(busyPoll) + 1;
                ApplyLongestBusyPoll();
            }
            return loops[(int)((uint)++s_next % (uint)loops.Length)];
        }
    }

    /// <summary>
    /// Gives a share back (with the <paramref name="busyPoll"/> it was taken with); the last one stops the loops (each
    /// finishes its current batch of edges).
    /// </summary>
    public static void Release(TimeSpan busyPoll = default)
    {
        lock (Gate)
        {
            if (busyPoll > TimeSpan.Zero)
            {
                if (s_busyPolls.TryGetValue(busyPoll, out var count) && count > 1) s_busyPolls[busyPoll] = count - 1;
                else s_busyPolls.Remove(busyPoll);
                ApplyLongestBusyPoll();
            }
            if (--s_shares > 0 || s_loops is null) return;
            foreach (var loop in s_loops) loop.Stop();
            s_loops = null;
        }
    }

    /// <summary>The busy-poll window that applies now (the longest asked for by a share held), zero when none.</summary>
    internal static TimeSpan BusyPoll
    {
        get
        {
            lock (Gate) return s_busyPolls.Count == 0 ? TimeSpan.Zero : s_busyPolls.Keys.Last();
        }
    }

    // Under Gate: the loops read the window in Stopwatch ticks.
    private static void ApplyLongestBusyPoll() =>
        Volatile.Write(ref s_busyPollTicks, s_busyPolls.Count == 0 ? 0 : ToStopwatchTicks(s_busyPolls.Keys.Last()));

    /// <summary>Edges found by polling since the process started, rather than after a sleep (tests check the busy-poll).</summary>
    internal static long PolledEdges => Interlocked.Read(ref s_polledEdges);

    private static long s_polledEdges;

    private static long ToStopwatchTicks(TimeSpan span) => Math.Max(1, (long)(span.TotalSeconds * Stopwatch.Frequency));

    private static EpollLoop[] StartLoops()
    {
        var loops = new EpollLoop[Math.Max(1, Environment.ProcessorCount)];
        var made = 0;
        try
        {
            for (; made < loops.Length; made++) loops[made] = new EpollLoop(made);
            return loops;
        }
        finally
        {
            // A loop that could not be made: stop the ones that were, so a later try starts from nothing.
            if (made < loops.Length)
                for (var i = 0; i < made; i++) loops[i].Stop();
        }
    }

    private void Stop()
    {
        ulong one = 1;
        write(_wakeFd, &one, sizeof(ulong));
    }

    private void CloseHandles()
    {
        close(_wakeFd);
        close(_epfd);
    }

    private static NetException Failure(string syscall, int errno) => new(errno switch
    {
        24 => new NetError("EMFILE", syscall, "too many open files"),
        23 => new NetError("ENFILE", syscall, "file table overflow"),
        12 => new NetError("ENOMEM", syscall, "not enough memory"),
        _ => new NetError("EIO", syscall, $"failed with errno {errno}"),
    });

    /// <summary>Adds the socket for read and write edges and sets the connection's id; returns the errno when epoll refused it, else 0.</summary>
    public int Register(EpollConnection connection, int fd)
    {
        long id;
        lock (_slotsGate)
        {
            if (!_freeSlots.TryPop(out var slot))
            {
                if (_usedSlots == _slots.Length) Grow();
                slot = _usedSlots++;
            }
            id = (long)++_generation << 32 | (uint)slot;
            connection.Id = id;
            // Published before epoll_ctl: the loop reads the table only after an edge that the call made possible.
            Volatile.Write(ref _slots[slot], connection);
        }
        var ev = stackalloc byte[16];
        *(uint*)ev = EpollIn | EpollOut | EpollRdHup | EpollEt;
        *(long*)(ev + DataOffset) = id;
        var errno = epoll_ctl(_epfd, EpollCtlAdd, fd, ev) == 0 ? 0 : Marshal.GetLastPInvokeError();
        if (errno != 0) Unregister(id);
        return errno;
    }

    /// <summary>
    /// Forgets the connection: edges already fetched for it are dropped. Closing the descriptor removes it from
    /// the epoll set.
    /// </summary>
    public void Unregister(long id)
    {
        lock (_slotsGate)
        {
            var slot = (int)(uint)id;
            if (_slots[slot]?.Id != id) return;
            Volatile.Write(ref _slots[slot], null);
            _freeSlots.Push(slot);
        }
    }

    private void Grow()
    {
        var slots = new EpollConnection?[_slots.Length * 2];
        Array.Copy(_slots, slots, _slots.Length);
        Volatile.Write(ref _slots, slots);
    }

    private void Run()
    {
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * EventSize));
        try
        {
            var poll = new AdaptivePoll();
            while (!_stopping)
            {
                // The limit may have dropped since the window grew (the listener that asked for it closed).
                var window = Math.Min(poll.Window, Volatile.Read(ref s_busyPollTicks));
                var n = window > 0 ? Poll(events, window) : 0;
                if (n == 0)
                {
                    var sleptAt = Stopwatch.GetTimestamp();
                    n = epoll_wait(_epfd, events, MaxEvents, -1);
                    if (n > 0) poll.Slept(Stopwatch.GetTimestamp() - sleptAt, Volatile.Read(ref s_busyPollTicks));
                }
                else if (n > 0) Interlocked.Increment(ref s_polledEdges);
                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Eintr) continue;
                    throw new InvalidOperationException($"epoll_wait failed: errno {errno}");
                }
                Dispatch(events, n);
            }
        }
        finally
        {
            NativeMemory.Free(events);
            CloseHandles();
            Interlocked.Decrement(ref s_running);
        }
    }

    // epoll_wait without sleeping, until an edge comes or the window (Stopwatch ticks) is over: the number of edges, or 0.
    private int Poll(byte* events, long window)
    {
        var until = Stopwatch.GetTimestamp() + window;
        do
        {
            var n = epoll_wait(_epfd, events, MaxEvents, 0);
            if (n != 0) return n;
        } while (Stopwatch.GetTimestamp() < until);
        return 0;
    }

    /// <summary>A loop's busy-poll window, in Stopwatch ticks, adapted after every sleep (see the class summary).</summary>
    internal struct AdaptivePoll
    {
        /// <summary>Where a window starts: a few polls' worth (10 µs).</summary>
        public static readonly long Start = Stopwatch.Frequency / 100_000;

        /// <summary>How long the loop polls after its next edges.</summary>
        public long Window { get; private set; }

        /// <summary>After polling that found nothing (or none at all), the loop slept <paramref name="slept"/> before its
        /// next edge; <paramref name="max"/> is the longest window allowed now.</summary>
        public void Slept(long slept, long max)
        {
            if (max <= 0) Window = 0;
            // A sleep that a window up to max would have covered (it came after the polling, if any): grow the window.
            else if (Window + slept <= max) Window = Math.Min(max, Math.Max(Start, Window * 2));
            else Window = Window > Start ? Window / 2 : 0;
        }
    }

    // Kept out of Run so that it is compiled as a method of its own (Run only ever runs on-stack-replaced code).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Dispatch(byte* events, int n)
    {
        // A socket actor on the event-loop dispatcher runs right here, as with .NET's inline completions.
        using var scope = IoThreadScope.Enter();
        for (var i = 0; i < n; i++)
        {
            var e = events + i * EventSize;
            var id = *(long*)(e + DataOffset);
            if (id == WakeId)
            {
                _stopping = true;
                continue;
            }
            var slot = (int)(uint)id;
            var connection = Volatile.Read(ref Volatile.Read(ref _slots)[slot]);
            if (connection is not null && connection.Id == id) connection.OnEdge(*(uint*)e);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_create1(int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_ctl(int epfd, int op, int fd, byte* ev);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_wait(int epfd, byte* events, int maxEvents, int timeout);

    [DllImport("libc", SetLastError = true)]
    private static extern int eventfd(uint initval, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern nint write(int fd, void* buf, nuint count);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
}
