using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>What the executable does and says on signals, shutdown and failures is true.</summary>
public class HonestLogTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(5);

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
        Assert.Contains("every connection drained", text);
        Assert.DoesNotContain("drain-timeout 00:00:00", text);
        Assert.DoesNotContain("Aborting", text);
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
    }
}
