using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>docs/contract.md, "Process": readiness is a connect that is closed at once; the server treats it as an ordinary connection.</summary>
public class ReadinessTests(ITestOutputHelper output)
{
    /// <summary>The contract's config block; the akka-io subclass sets the transport.</summary>
    private protected virtual ServerConfig Base => ServerConfig.Default;

    [Fact]
    public void The_readiness_probe_is_an_ordinary_connection_whose_slot_is_released_within_two_seconds_of_its_fin()
    {
        using var server = ServerProcess.StartReady(Base.Handler("echo").MaxConnections(1), output);

        // With max-connections = 1 the probe held the only slot; a connection started within 2 s of the
        // probe's FIN must be served.
        using var client = Wait.ForEchoSlot(server.Port, server.ProbeClosedAt, TimeSpan.FromSeconds(2), "after the readiness probe");
        client.AssertEchoes("still served\n", TimeSpan.FromSeconds(5));

        // The slot is really taken now: another connection is turned away.
        using var extra = Client.Connect(server.Port);
        var outcome = extra.ReadToEnd(TimeSpan.FromSeconds(5));
        Assert.True(outcome.End is End.Fin or End.Reset, $"the second connection with max-connections = 1 should be closed at once, got {outcome}");
        Assert.Empty(outcome.Data);
    }

    [Fact]
    public void The_server_is_ready_when_its_port_accepts_a_connection_on_the_loopback_address()
    {
        using var server = ServerProcess.StartReady(Base, output);
        Assert.False(server.HasExited);
        using var client = Client.Connect(server.Port);
        client.AssertEchoes("ready\n", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Port_zero_listens_on_an_ephemeral_port()
    {
        using var server = ServerProcess.StartWithConfig(Base, 0, output);
        if (!SocketStats.Available)
        {
            // Without ss the chosen port cannot be found from outside; check that port 0 is accepted and the server runs.
            output.WriteLine(SocketStats.MissingMessage);
            Assert.False(server.HasExited, $"port = 0 should be accepted; output:\n{server.Output}");
            return;
        }
        SsEntry? listener = null;
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        while (listener is null)
        {
            Assert.False(server.HasExited, $"the server exited with port = 0; output:\n{server.Output}");
            Assert.True(Wait.Since(start) < TimeSpan.FromSeconds(20), "the server did not listen within 20 s");
            listener = SocketStats.ListenersOf(server.Pid).FirstOrDefault();
            if (listener is null) Thread.Sleep(20); // poll interval of a bounded loop
        }
        output.WriteLine($"listening: {listener}");
        Assert.StartsWith("127.0.0.1:", listener.Local);
        var port = int.Parse(listener.Local["127.0.0.1:".Length..]);
        Assert.InRange(port, 1, 65535);
        using var client = Client.Connect(port);
        client.AssertEchoes("ephemeral\n", TimeSpan.FromSeconds(5));
    }
}
