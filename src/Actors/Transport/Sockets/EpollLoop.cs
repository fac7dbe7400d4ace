using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ActorNet.Dispatch;

namespace ActorNet.Transport.Sockets;

/// <summary>
/// One of ActorNet's own epoll loops (Linux): a background thread that waits on an edge-triggered epoll set and
/// hands each readiness edge to its <see cref="EpollConnection"/>. Unlike .NET's socket engine it makes no
/// system call to arm a wait or to complete one: per echoed message the socket sees one read and one write,
/// as under libuv. There is one loop per core, shared by every server in the process.
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
    private const int Eintr = 4;
    private const int MaxEvents = 256;

    private static readonly object Gate = new();
    private static EpollLoop[]? s_loops;
    private static int s_next;

    // x86-64 packs struct epoll_event (12 bytes, data at offset 4); arm64 aligns it (16 bytes, data at 8).
    private static readonly bool Packed = RuntimeInformation.ProcessArchitecture == Architecture.X64;
    private static readonly int EventSize = Packed ? 12 : 16;
    private static readonly int DataOffset = Packed ? 4 : 8;

    private readonly int _epfd;
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
        if (_epfd < 0) throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        new Thread(Run) { IsBackground = true, Name = $"actornet-epoll-{index}" }.Start();
    }

    /// <summary>Linux on x64 or arm64, where the epoll_event layout is known.</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>The loop for the next connection (round robin; the loops start on first use).</summary>
    public static EpollLoop Next()
    {
        var loops = Volatile.Read(ref s_loops) ?? Start();
        return loops[(int)((uint)Interlocked.Increment(ref s_next) % (uint)loops.Length)];
    }

    private static EpollLoop[] Start()
    {
        lock (Gate)
        {
            if (s_loops is { } started) return started;
            var loops = new EpollLoop[Math.Max(1, Environment.ProcessorCount)];
            for (var i = 0; i < loops.Length; i++) loops[i] = new EpollLoop(i);
            Volatile.Write(ref s_loops, loops);
            return loops;
        }
    }

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
        while (true)
        {
            var n = epoll_wait(_epfd, events, MaxEvents, -1);
            if (n < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Eintr) continue;
                throw new InvalidOperationException($"epoll_wait failed: errno {errno}");
            }
            Dispatch(events, n);
        }
    }

    // Kept out of Run so that it is compiled as a method of its own (Run only ever runs on-stack-replaced code).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Dispatch(byte* events, int n)
    {
        // A socket actor on the event-loop dispatcher runs right here, as with .NET's inline completions.
        var was = EventLoopExecutor.EnterIo();
        try
        {
            for (var i = 0; i < n; i++)
            {
                var e = events + i * EventSize;
                var id = *(long*)(e + DataOffset);
                var slot = (int)(uint)id;
                var connection = Volatile.Read(ref Volatile.Read(ref _slots)[slot]);
                if (connection is not null && connection.Id == id) connection.OnEdge(*(uint*)e);
            }
        }
        finally
        {
            EventLoopExecutor.ExitIo(was);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_create1(int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_ctl(int epfd, int op, int fd, byte* ev);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_wait(int epfd, byte* events, int maxEvents, int timeout);
}
