using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorNet.Tests.Support;

/// <summary>One line of <c>ss -tanoH</c>.</summary>
internal sealed record SsEntry(string State, long RecvQ, long SendQ, string Local, string Peer, string Rest)
{
    /// <summary>The keep-alive timer's remaining time, when <c>timer:(keepalive,...)</c> is shown.</summary>
    public TimeSpan? KeepAliveTimer
    {
        get
        {
            var m = Regex.Match(Rest, @"timer:\(keepalive,([^,]+),");
            return m.Success ? SocketStats.ParseTimer(m.Groups[1].Value) : null;
        }
    }

    public override string ToString() => $"{State} {RecvQ} {SendQ} {Local} {Peer} {Rest}";
}

/// <summary>
/// The kernel's view of sockets through iproute2's <c>ss</c> (the only way to see the server's side of a
/// loopback connection from a black-box test: its state, Recv-Q and timers).
/// </summary>
internal static class SocketStats
{
    public const string MissingMessage = "ss (iproute2) is not installed: the server-side socket check was left out; only the client-side checks ran";

    public static bool Available { get; } = Probe();

    /// <summary>The server's side of the connection 127.0.0.1:serverPort &lt;- 127.0.0.1:clientPort, if the kernel still has it.</summary>
    public static SsEntry? ServerSide(int serverPort, int clientPort) =>
        Query("-tanoH", $"( sport = :{serverPort} and dport = :{clientPort} )").FirstOrDefault();

    /// <summary>The listening socket on <paramref name="port"/>.</summary>
    public static SsEntry? Listener(int port) => Query("-tlnoH", $"( sport = :{port} )").FirstOrDefault();

    /// <summary>Polls <see cref="ServerSide"/> until <paramref name="predicate"/> holds or the deadline passes; returns the last entry seen.</summary>
    public static (bool Matched, SsEntry? Last) WaitForServerSide(int serverPort, int clientPort, Func<SsEntry?, bool> predicate, TimeSpan timeout)
    {
        var start = Stopwatch.GetTimestamp();
        while (true)
        {
            var entry = ServerSide(serverPort, clientPort);
            if (predicate(entry)) return (true, entry);
            if (Stopwatch.GetElapsedTime(start) > timeout) return (false, entry);
            Thread.Sleep(20); // poll interval of a bounded loop
        }
    }

    /// <summary>The listening TCP sockets of process <paramref name="pid"/> (needs ss -p, which sees our own processes).</summary>
    public static IReadOnlyList<SsEntry> ListenersOf(int pid) =>
        Query("-tlnpH", null).Where(e => e.Rest.Contains($"pid={pid},", StringComparison.Ordinal)).ToList();

    public static IReadOnlyList<SsEntry> Query(string options, string? filter)
    {
        var info = new ProcessStartInfo("ss") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(options);
        if (filter is not null) info.ArgumentList.Add(filter);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("ss did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(10_000))
        {
            process.Kill();
            throw new TimeoutException("ss did not finish within 10 s");
        }
        if (process.ExitCode != 0) throw new InvalidOperationException($"ss {options} {filter} failed: {stderr.Result}");
        var entries = new List<SsEntry>();
        foreach (var line in stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = Regex.Split(line, @"\s+", RegexOptions.None);
            if (parts.Length < 5) continue;
            entries.Add(new SsEntry(parts[0], long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture),
                parts[3], parts[4], string.Join(' ', parts.Skip(5))));
        }
        return entries;
    }

    /// <summary>Parses ss's timer format: <c>119min</c>, <c>6.996ms</c> (6 s 996 ms), <c>6sec</c>, <c>996ms</c>, <c>2min3sec</c>.</summary>
    public static TimeSpan ParseTimer(string text)
    {
        var m = Regex.Match(text, @"^(?:(\d+)min)?(?:(\d+)(sec|\.))?(?:(\d+)ms)?$");
        if (!m.Success || text.Length == 0) throw new FormatException($"unexpected ss timer \"{text}\"");
        double Group(int i) => m.Groups[i].Success ? double.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture) : 0;
        return TimeSpan.FromMinutes(Group(1)) + TimeSpan.FromSeconds(Group(2)) + TimeSpan.FromMilliseconds(Group(4));
    }

    private static bool Probe()
    {
        try
        {
            var info = new ProcessStartInfo("ss", "-V") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(info);
            return process is not null && process.WaitForExit(10_000) && process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
