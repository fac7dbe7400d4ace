using System.Diagnostics;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>Checks shared by the shutdown tests.</summary>
internal static class Draining
{
    /// <summary>
    /// Asserts that <paramref name="client"/> still echoes during the drain; when it does not, says whether the
    /// server process died (e.g. exit code 143/130: killed by the signal's default action) rather than drained.
    /// </summary>
    public static void AssertStillEchoes(ServerProcess server, Client client, string text)
    {
        try
        {
            client.AssertEchoes(text, TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is Xunit.Sdk.XunitException)
        {
            int? code = null;
            try
            {
                code = server.WaitForExit(TimeSpan.FromSeconds(2));
            }
            catch (TimeoutException)
            {
            }
            if (code is null) throw;
            throw new Xunit.Sdk.XunitException(
                $"the existing connection stopped working during the drain ({e.Message}) because the server process exited with code {code}" +
                $"{Explain(code.Value)}; output:\n{server.Output}");
        }
    }

    /// <summary>Waits (bounded) for the exit and asserts code 0, explaining 128 + signal codes.</summary>
    public static void AssertExitsZero(ServerProcess server, TimeSpan within)
    {
        var code = server.WaitForExit(within);
        Assert.True(code == 0, $"exit code {code}{Explain(code)}; output:\n{server.Output}");
    }

    private static string Explain(int code) =>
        code > 128 && code < 160 ? $" (128 + {code - 128}: killed by the signal's default action, not drained)" : "";
}

/// <summary>docs/contract.md, "Shutdown": SIGTERM or SIGINT close the listener and drain.</summary>
public class ShutdownTests(ITestOutputHelper output)
{
    /// <summary>The contract's config block; the akka-io subclass sets the transport.</summary>
    private protected virtual ServerConfig Base => ServerConfig.Default;

    private static readonly TimeSpan Short = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(ServerProcess.SIGTERM)]
    [InlineData(ServerProcess.SIGINT)]
    public void A_signal_sent_as_soon_as_the_server_is_ready_is_handled_and_the_server_exits_zero(int signal)
    {
        // Ready = the port accepts a connection; from then on a signal must mean "drain", never the default
        // action (exit code 128 + signal, e.g. 143 for SIGTERM, 130 for SIGINT). Readiness is polled every
        // millisecond so that the signal follows the first accepted connection closely.
        using var server = ServerProcess.StartReady(Base, output, TimeSpan.FromMilliseconds(1));
        server.Signal(signal);
        Draining.AssertExitsZero(server, TimeSpan.FromSeconds(3));
    }

    [Theory]
    [InlineData(ServerProcess.SIGTERM)]
    [InlineData(ServerProcess.SIGINT)]
    public void With_no_connection_open_a_signal_makes_the_server_exit_zero_at_once(int signal)
    {
        using var server = ServerProcess.StartReady(Base, output);
        // One ordinary connection, served and closed on both sides before the signal.
        using (var client = Client.Connect(server.Port))
        {
            client.AssertEchoes("hello\n", Short);
            client.ShutdownSend();
            Assert.Equal(End.Fin, client.ReadToEnd(Short).End);
        }

        server.Signal(signal);
        Draining.AssertExitsZero(server, TimeSpan.FromSeconds(3));
    }

    [Theory]
    [InlineData(ServerProcess.SIGTERM)]
    [InlineData(ServerProcess.SIGINT)]
    public void A_signal_closes_the_listener_while_an_existing_connection_keeps_echoing_and_the_exit_follows_its_close(int signal)
    {
        using var server = ServerProcess.StartReady(Base.DrainTimeout("30s"), output);
        using var client = Client.Connect(server.Port);
        client.AssertEchoes("before\n", Short);

        var signalled = Stopwatch.GetTimestamp();
        server.Signal(signal);
        var refusedAfter = Wait.UntilRefused(server.Port, TimeSpan.FromSeconds(2), signalled);
        output.WriteLine($"new connects turned away {refusedAfter.TotalMilliseconds:F0} ms after the signal");

        // The existing connection works normally, large or small.
        Draining.AssertStillEchoes(server, client, "during the drain\n");
        var pattern = new Pattern(21);
        var data = pattern.Bytes(0, 256 * 1024);
        client.Send(data);
        Assert.Equal(data, client.ReadExactly(data.Length, Short));
        Assert.False(server.HasExited, "the server must not exit while a connection is open");

        client.ShutdownSend();
        var end = client.ReadToEnd(Short);
        Assert.Equal(End.Fin, end.End);
        Assert.Empty(end.Data);
        client.Dispose();
        var closed = Stopwatch.GetTimestamp();

        Draining.AssertExitsZero(server, TimeSpan.FromSeconds(3));
        output.WriteLine($"exited {Wait.Since(closed).TotalMilliseconds:F0} ms after the last connection closed");
    }
}

/// <summary>docs/contract.md, "Shutdown": the drain deadline, a second signal, and drain-timeout = 0s.</summary>
public class ShutdownDeadlineTests(ITestOutputHelper output)
{
    /// <summary>The contract's config block; the akka-io subclass sets the transport.</summary>
    private protected virtual ServerConfig Base => ServerConfig.Default;

    private static readonly TimeSpan Short = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(ServerProcess.SIGTERM)]
    [InlineData(ServerProcess.SIGINT)]
    public void When_the_drain_timeout_passes_first_the_remaining_connection_sees_fin_or_reset_and_the_server_exits_zero(int signal)
    {
        using var server = ServerProcess.StartReady(Base.DrainTimeout("2s"), output);
        using var client = Client.Connect(server.Port);
        client.AssertEchoes("before\n", Short);

        var signalled = Stopwatch.GetTimestamp();
        server.Signal(signal);
        Wait.UntilRefused(server.Port, TimeSpan.FromSeconds(2), signalled);
        Draining.AssertStillEchoes(server, client, "inside the deadline\n");

        var outcome = client.ReadToEnd(TimeSpan.FromSeconds(10));
        var after = Wait.Since(signalled);
        output.WriteLine($"connection ended {after.TotalMilliseconds:F0} ms after the signal: {outcome}");
        Assert.True(outcome.End is End.Fin or End.Reset, $"the connection left at the drain deadline should see FIN or RST, got {outcome}");
        Assert.Empty(outcome.Data);
        Assert.True(after >= TimeSpan.FromMilliseconds(1500), $"the connection was cut {after.TotalMilliseconds:F0} ms after the signal, before the 2 s drain-timeout");
        client.Dispose();

        Draining.AssertExitsZero(server, TimeSpan.FromSeconds(5));
        output.WriteLine($"exited {Wait.Since(signalled).TotalMilliseconds:F0} ms after the signal");
    }

    [Theory]
    [InlineData(ServerProcess.SIGTERM, ServerProcess.SIGTERM)]
    [InlineData(ServerProcess.SIGINT, ServerProcess.SIGINT)]
    [InlineData(ServerProcess.SIGTERM, ServerProcess.SIGINT)]
    public void A_second_signal_during_the_drain_force_closes_what_is_left_and_exits_zero(int first, int second)
    {
        using var server = ServerProcess.StartReady(Base.DrainTimeout("30s"), output);
        using var client = Client.Connect(server.Port);
        client.AssertEchoes("before\n", Short);

        var signalled = Stopwatch.GetTimestamp();
        server.Signal(first);
        Wait.UntilRefused(server.Port, TimeSpan.FromSeconds(2), signalled);
        Draining.AssertStillEchoes(server, client, "draining\n");
        Assert.False(server.HasExited);

        // Copies of a signal within 1 s of the first are the same request (dotnet run forwards a group signal):
        // a deliberate second signal comes later.
        var left = ServerProcess.ForceWindow - Wait.Since(signalled);
        if (left > TimeSpan.Zero) Thread.Sleep(left);
        var forced = Stopwatch.GetTimestamp();
        server.Signal(second);
        var outcome = client.ReadToEnd(TimeSpan.FromSeconds(3));
        output.WriteLine($"after the second signal: {outcome}");
        Assert.True(outcome.End is End.Fin or End.Reset, $"the second signal should force-close the connection, got {outcome}");
        Assert.Empty(outcome.Data);

        Draining.AssertExitsZero(server, TimeSpan.FromSeconds(5));
        output.WriteLine($"exited {Wait.Since(forced).TotalMilliseconds:F0} ms after the second signal");
    }

    [Fact]
    public void A_drain_timeout_of_zero_force_closes_the_remaining_connection_at_once_and_exits_zero()
    {
        using var server = ServerProcess.StartReady(Base.DrainTimeout("0s"), output);
        using var client = Client.Connect(server.Port);
        client.AssertEchoes("before\n", Short);

        server.Signal(ServerProcess.SIGTERM);
        var outcome = client.ReadToEnd(TimeSpan.FromSeconds(2));
        output.WriteLine(outcome.ToString());
        Assert.True(outcome.End is End.Fin or End.Reset, $"drain-timeout = 0s should close the connection at once, got {outcome}");
        Assert.Empty(outcome.Data);
        Draining.AssertExitsZero(server, TimeSpan.FromSeconds(5));
    }
}
