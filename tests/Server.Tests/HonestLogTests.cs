using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>What the executable says about signals, shutdown and failures is true, and every line has one format.</summary>
public partial class HonestLogTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(5);

    // Serilog's console line: ISO 8601 date, time and UTC offset, then the level.
    [GeneratedRegex(@"^\[\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2} (VRB|DBG|INF|WRN|ERR|FTL)\] \S")]
    private static partial Regex LogLine();

    /// <summary>Every line of <paramref name="text"/> but <paramref name="allowed"/> is a formatted log line (no Akka format, no stack trace).</summary>
    internal static void AssertEveryLineFormatted(string text, params string[] allowed)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'));
        var stray = lines.Where(l => !LogLine().IsMatch(l) && !allowed.Contains(l)).ToList();
        Assert.True(stray.Count == 0, $"lines outside the log format:\n{string.Join("\n", stray)}\n--- output:\n{text}");
    }

    [Fact]
    public void Two_SIGTERMs_50_ms_apart_are_one_request_the_live_connection_keeps_echoing_and_the_drain_proceeds()
    {
        using var server = ServerProcess.StartReady(ServerConfig.Default.DrainTimeout("30s"), output);
        using var client = Client.Connect(server.Port);
        client.AssertEchoes("before\n", Short);

        // What timeout(1), kill -- -PGID and systemd do to `dotnet run`: the host forwards the group's signal.
        server.Signal(ServerProcess.SIGTERM);
        Thread.Sleep(50);
        server.Signal(ServerProcess.SIGTERM);
        Assert.True(server.WaitForOutput("the same request", Short), $"the second copy was not reported as the same request:\n{server.Output}");

        Draining.AssertStillEchoes(server, client, "still served\n");
        Assert.False(server.HasExited, "the server must not exit while a connection is open");
        client.ShutdownSend();
        var end = client.ReadToEnd(Short);
        Assert.Equal(End.Fin, end.End);
        client.Dispose();
        Draining.AssertExitsZero(server, TimeSpan.FromSeconds(3));

        var text = server.Output;
        Assert.Contains("send SIGINT/SIGTERM again", text);
        Assert.Contains("Server closed: every connection drained", text);
        Assert.DoesNotContain("drain-timeout 00:00:00", text);
        Assert.DoesNotContain("Aborting", text);
        Assert.DoesNotContain("CLR termination hook", text);
        Assert.DoesNotContain("ExitCode", text);
        AssertEveryLineFormatted(text);
    }

    [Fact]
    public void After_a_force_close_the_log_does_not_say_every_connection_drained()
    {
        using var server = ServerProcess.StartReady(ServerConfig.Default.DrainTimeout("30s"), output);
        using var client = Client.Connect(server.Port);
        client.AssertEchoes("before\n", Short);

        server.Signal(ServerProcess.SIGTERM);
        Assert.True(server.WaitForOutput("draining", Short), server.Output);
        Thread.Sleep(ServerProcess.ForceWindow);
        server.Signal(ServerProcess.SIGINT);
        var outcome = client.ReadToEnd(TimeSpan.FromSeconds(3));
        Assert.True(outcome.End is End.Fin or End.Reset, $"the second signal should force-close the connection, got {outcome}");
        Draining.AssertExitsZero(server, Short);

        var text = server.Output;
        Assert.Contains("force-closing the remaining connections", text);
        Assert.Contains("Server closed: 1 connections force-closed", text);
        Assert.DoesNotContain("every connection drained", text);
        AssertEveryLineFormatted(text);
    }

    [Fact]
    public void A_burst_of_500_connections_over_max_connections_is_logged_at_most_once_a_second_with_counts_that_add_up()
    {
        const int burst = 500;
        using var server = ServerProcess.StartReady(ServerConfig.Default.MaxConnections(1), output);
        using var held = Wait.ForEchoSlot(server.Port, server.ProbeClosedAt, TimeSpan.FromSeconds(2), "the one slot");
        var started = Stopwatch.GetTimestamp();
        ConnectAndClose(server.Port, burst);

        // The last drops of the burst are reported when their second is over.
        var counts = AwaitCounts(server, DropCounts, burst);
        var seconds = Wait.Since(started).TotalSeconds;
        output.WriteLine($"{counts.Count} drop lines in {seconds:F1} s: {string.Join(", ", counts)}");
        // At least the burst: Wait.ForEchoSlot's tries while the probe still held the slot were dropped too.
        Assert.True(counts.Sum() >= burst, $"the drop lines count {counts.Sum()} of at least {burst} drops:\n{server.Output}");
        Assert.True(counts.Count <= Math.Ceiling(seconds) + 1, $"{counts.Count} drop lines in {seconds:F1} s:\n{server.Output}");
        Assert.DoesNotContain("dropped:", server.Output);
        held.AssertEchoes("still served\n", Short);
    }

    private static void ConnectAndClose(int port, int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
        }
    }

    // The counts of the summary lines, once they add up to at least the burst (polled, bounded by 10 s).
    private static List<int> AwaitCounts(ServerProcess server, Func<string, List<int>> parse, int burst)
    {
        var deadline = Stopwatch.GetTimestamp() + 10 * Stopwatch.Frequency;
        List<int> counts;
        while ((counts = parse(server.Output)).Sum() < burst && Stopwatch.GetTimestamp() < deadline)
            Thread.Sleep(Wait.RetryInterval);
        return counts;
    }

    private static List<int> DropCounts(string text) =>
        DropLine().Matches(text).Select(m => int.Parse(m.Groups[1].Value)).ToList();

    [GeneratedRegex(@"\] Dropped (\d+) new connections")]
    private static partial Regex DropLine();

    [Theory]
    [InlineData("epoll")]
    [InlineData("akka-io")]
    public void On_a_taken_port_the_log_says_exit_code_1_in_one_line_per_event_and_the_exit_code_is_1(string transport)
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        var port = ((IPEndPoint)taken.LocalEndPoint!).Port;

        using var server = ServerProcess.StartWithConfig(ServerConfig.Default.With("transport", transport), port, output);
        var code = server.WaitForExit(TimeSpan.FromSeconds(20));
        var text = server.Output;
        Assert.True(code == 1, $"exit code {code}; output:\n{text}");
        Assert.Contains("Exiting with code 1", text);
        Assert.DoesNotContain("ExitCode:0", text);
        Assert.DoesNotContain("SocketException", text);
        Assert.Contains($"Server error: listen EADDRINUSE: address already in use 127.0.0.1:{port}", text);
        AssertEveryLineFormatted(text);
    }
}
