using System.Runtime.InteropServices;

namespace ActorNet.Server;

/// <summary>
/// The process's open-files limit (RLIMIT_NOFILE) and the line that accepted connections never cross. The kernel
/// hands out the lowest free descriptor number, so a connection whose descriptor is at or past
/// <see cref="ShedAt"/> means fewer than <see cref="Headroom"/> descriptors are left for everything else: the
/// runtime (JIT, threads), listeners, epoll loops, client sockets and log files. Such a connection is closed at once
/// (the client sees a prompt FIN), which keeps the backlog moving and leaves the process alive; serving resumes by
/// itself as soon as connections close.
/// </summary>
public static class DescriptorLimit
{
    private const int RlimitNofile = 7;
    private const int MinHeadroom = 64;
    private const int MaxHeadroom = 512;

    private static long s_shedAt = Compute(out _);

    /// <summary>The soft open-files limit now in force (long.MaxValue where it cannot be read).</summary>
    public static long Limit => ReadLimit(out var soft, out _) ? soft : long.MaxValue;

    /// <summary>The first descriptor number at which a new connection is closed at once.</summary>
    public static long ShedAt => Volatile.Read(ref s_shedAt);

    /// <summary>Descriptors kept free: 1/16 of the limit, at least 64 and at most 512.</summary>
    public static long Headroom(long limit) => Math.Clamp(limit / 16, MinHeadroom, MaxHeadroom);

    /// <summary>Whether a connection with descriptor <paramref name="descriptor"/> (-1: none) must be closed at once.</summary>
    public static bool IsPastLine(int descriptor) => descriptor >= 0 && descriptor >= Volatile.Read(ref s_shedAt);

    /// <summary>
    /// Raises the soft limit to the hard limit, as Node and most servers do at start, and moves the line with it.
    /// Returns the limits before and after; on systems without RLIMIT_NOFILE both are long.MaxValue.
    /// </summary>
    public static (long Before, long After) RaiseToHardLimit()
    {
        if (!ReadLimit(out var soft, out var hard)) return (long.MaxValue, long.MaxValue);
        if (soft < hard)
        {
            var limit = new RLimit { Current = (ulong)hard, Maximum = (ulong)hard };
            setrlimit(RlimitNofile, ref limit);
        }
        Volatile.Write(ref s_shedAt, Compute(out var after));
        return (soft, after);
    }

    private static long Compute(out long limit)
    {
        limit = Limit;
        return limit == long.MaxValue ? long.MaxValue : Math.Max(0, limit - Headroom(limit));
    }

    private static bool ReadLimit(out long soft, out long hard)
    {
        soft = hard = long.MaxValue;
        if (!OperatingSystem.IsLinux() || getrlimit(RlimitNofile, out var limit) != 0) return false;
        soft = limit.Current > long.MaxValue ? long.MaxValue : (long)limit.Current;
        hard = limit.Maximum > long.MaxValue ? long.MaxValue : (long)limit.Maximum;
        return true;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrlimit(int resource, out RLimit limit);

    [DllImport("libc", SetLastError = true)]
    private static extern int setrlimit(int resource, ref RLimit limit);
}
