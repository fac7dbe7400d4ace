using System.Collections.Concurrent;
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
    private static long s_nextId;

    // x86-64 packs struct epoll_event (12 bytes, data at offset 4); arm64 aligns it (16 bytes, data at 8).
    private static readonly bool Packed = RuntimeInformation.ProcessArchitecture == Architecture.X64;
    private static readonly int EventSize = Packed ? 12 : 16;
    private static readonly int DataOffset = Packed ? 4 : 8;

    private readonly int _epfd;
    private readonly ConcurrentDictionary<long, EpollConnection> _connections = new();

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

    /// <summary>Adds the socket for read and write edges; returns its id, or the errno when epoll refused it.</summary>
    public long Register(EpollConnection connection, int fd, out int errno)
    {
        var id = Interlocked.Increment(ref s_nextId);
        _connections[id] = connection;
        var ev = stackalloc byte[16];
        *(uint*)ev = EpollIn | EpollOut | EpollRdHup | EpollEt;
        *(long*)(ev + DataOffset) = id;
        errno = epoll_ctl(_epfd, EpollCtlAdd, fd, ev) == 0 ? 0 : Marshal.GetLastPInvokeError();
        if (errno != 0) _connections.TryRemove(id, out _);
        return id;
    }

    /// <summary>
    /// Forgets the connection: edges already fetched for it are dropped. Ids are never reused, so a new socket
    /// that gets the same descriptor is never mistaken for it. Closing the descriptor removes it from the epoll set.
    /// </summary>
    public void Unregister(long id) => _connections.TryRemove(id, out _);

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
            // A socket actor on the event-loop dispatcher runs right here, as with .NET's inline completions.
            var was = EventLoopExecutor.EnterIo();
            try
            {
                for (var i = 0; i < n; i++)
                {
                    var e = events + i * EventSize;
                    if (_connections.TryGetValue(*(long*)(e + DataOffset), out var connection))
                        connection.OnEdge(*(uint*)e);
                }
            }
            finally
            {
                EventLoopExecutor.ExitIo(was);
            }
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_create1(int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_ctl(int epfd, int op, int fd, byte* ev);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_wait(int epfd, byte* events, int maxEvents, int timeout);
}
