using System.Diagnostics;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>docs/contract.md, "Each accepted connection" 4: pause-on-connect: never read, nothing echoed, stays open; the rest still applies.</summary>
public class PauseOnConnectTests(ITestOutputHelper output)
{
    /// <summary>The contract's config block; the akka-io subclass sets the transport.</summary>
    private protected virtual ServerConfig Base => ServerConfig.Default;

    [Fact]
    public void A_paused_connection_echoes_nothing_leaves_the_bytes_in_the_kernel_and_stays_open()
    {
        using var server = ServerProcess.StartReady(Base.Handler("echo").PauseOnConnect(true), output);
        using var client = Client.Connect(server.Port);

        client.Send("hello");
        if (SocketStats.Available)
        {
            var (matched, last) = SocketStats.WaitForServerSide(server.Port, client.LocalPort, e => e?.RecvQ == 5, TimeSpan.FromSeconds(5));
            Assert.True(matched, $"the 5 bytes should wait unread in the server's Recv-Q, ss: {last}");
        }
        else output.WriteLine(SocketStats.MissingMessage);

        client.AssertNothingArrivesWithin(TimeSpan.FromSeconds(1.5), "a paused connection is never read, so nothing is echoed and it stays open");
        client.Send("world");
        if (SocketStats.Available)
        {
            var (matched, last) = SocketStats.WaitForServerSide(server.Port, client.LocalPort, e => e?.RecvQ == 10, TimeSpan.FromSeconds(5));
            Assert.True(matched, $"still open and still unread: Recv-Q should be 10, ss: {last}");
            Assert.Equal("ESTAB", last!.State);
        }
        client.AssertNothingArrivesWithin(TimeSpan.FromMilliseconds(300), "still nothing echoed");
    }

    [Fact]
    public void A_paused_connection_is_still_ended_with_fin_by_the_idle_timeout()
    {
        using var server = ServerProcess.StartReady(Base.Handler("echo").PauseOnConnect(true).IdleTimeout("1s"), output);
        using var client = Client.Connect(server.Port);
        client.Send("unread");

        var outcome = client.ReadToEnd(TimeSpan.FromSeconds(6));
        output.WriteLine(outcome.ToString());
        Assert.Equal(End.Fin, outcome.End);
        Assert.Empty(outcome.Data);
        Assert.True(outcome.Elapsed >= TimeSpan.FromMilliseconds(900), $"the idle timeout (1s) fired too early: {outcome}");
    }

    [Fact]
    public void Max_connections_still_applies_to_paused_connections()
    {
        // A paused socket is never read: the server sees the readiness probe's FIN only through its reset probe
        // (every 500 ms), so the probe may still hold its slot. With max-connections = 2 the first client therefore
        // gets a slot, and at the latest the third is turned away. Accepted paused connections stay quiet; turned-away ones get FIN/RST at once.
        using var server = ServerProcess.StartReady(Base.Handler("echo").PauseOnConnect(true).MaxConnections(2), output);

        var held = new List<Client>();
        Outcome? rejected = null;
        try
        {
            for (var i = 0; i < 3 && rejected is null; i++)
            {
                var candidate = Client.Connect(server.Port);
                candidate.Send("x");
                if (candidate.NothingArrivesWithin(TimeSpan.FromMilliseconds(500))) held.Add(candidate);
                else
                {
                    rejected = candidate.ReadToEnd(TimeSpan.FromSeconds(1));
                    candidate.Dispose();
                }
            }
            output.WriteLine($"accepted {held.Count}, then {rejected?.ToString() ?? "no rejection"}");
            Assert.True(held.Count >= 1, "with max-connections = 2 and at most the probe live, the first paused connection should be accepted");
            Assert.True(rejected is not null, $"max-connections = 2 was not applied: {held.Count} paused connections were accepted besides the probe");
            Assert.True(rejected.End is End.Fin or End.Reset, $"the turned-away connection should see FIN or RST, got {rejected}");
            Assert.Empty(rejected.Data);
            foreach (var client in held) client.AssertNothingArrivesWithin(TimeSpan.FromMilliseconds(200), "the paused connections stay open");
        }
        finally
        {
            foreach (var client in held) client.Dispose();
        }
    }

    [Fact]
    public void A_paused_connection_is_still_closed_by_the_shutdown_at_the_drain_deadline()
    {
        // A paused socket is never read, and this client sends no FIN, so only the drain deadline ends it.
        using var server = ServerProcess.StartReady(Base.Handler("echo").PauseOnConnect(true).DrainTimeout("1s"), output);
        using var client = Client.Connect(server.Port);
        client.Send("unread");
        client.AssertNothingArrivesWithin(TimeSpan.FromMilliseconds(200), "a paused connection stays open");

        var signalled = System.Diagnostics.Stopwatch.GetTimestamp();
        server.Signal(ServerProcess.SIGTERM);
        Wait.UntilRefused(server.Port, TimeSpan.FromSeconds(2), signalled);
        var outcome = client.ReadToEnd(TimeSpan.FromSeconds(8));
        var after = Wait.Since(signalled);
        output.WriteLine($"paused connection ended {after.TotalMilliseconds:F0} ms after the signal: {outcome}");
        Assert.True(outcome.End is End.Fin or End.Reset, $"the paused connection should be closed at the drain deadline, got {outcome}");
        Assert.Empty(outcome.Data);
        Assert.True(after >= TimeSpan.FromMilliseconds(800), $"the paused connection was closed {after.TotalMilliseconds:F0} ms after the signal, before the 1 s drain-timeout");
        client.Dispose();
        Draining.AssertExitsZero(server, TimeSpan.FromSeconds(6));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_paused_connection_whose_client_closes_frees_its_slot_within_two_seconds(bool sendFirst)
    {
        // Nothing reads a paused socket, so only the server's probe can see the client's FIN: without it the slot
        // (and a drain) would be held until the process ends. The readiness probe's own connection is one of these.
        using var server = ServerProcess.StartReady(Base.Handler("echo").PauseOnConnect(true).MaxConnections(1), output);
        using var a = ForPausedSlot(server.Port, server.ProbeClosedAt, "first connection (after the readiness probe closed)");
        AssertTurnedAway(server.Port);

        if (sendFirst) a.Send("never read");
        a.ShutdownSend();
        var closedAt = Stopwatch.GetTimestamp();

        using var b = ForPausedSlot(server.Port, closedAt, "after the paused client's FIN");
        var outcome = a.ReadToEnd(TimeSpan.FromSeconds(2));
        output.WriteLine($"the closed paused connection: {outcome}");
        // Unread bytes make the kernel answer the close with RST.
        Assert.True(outcome.End is End.Fin or End.Reset, $"the server should have closed the paused connection, got {outcome}");
        Assert.Empty(outcome.Data);
        a.Dispose();
        AssertTurnedAway(server.Port);
        b.AssertNothingArrivesWithin(TimeSpan.FromMilliseconds(200), "the new paused connection stays open");
    }

    /// <summary>
    /// Connects until a connection stays open and quiet (a paused one) for 300 ms, as long as the attempt starts within
    /// 2 s of <paramref name="since"/>; turned-away ones (FIN or RST at once) are retried.
    /// </summary>
    private static Client ForPausedSlot(int port, long since, string what)
    {
        var attempts = new List<string>();
        while (true)
        {
            var startedAt = Wait.Since(since);
            if (startedAt > TimeSpan.FromSeconds(2))
                throw new Xunit.Sdk.XunitException($"{what}: no connection was accepted within 2 s; {Wait.Summary(attempts)}");
            var client = Client.Connect(port);
            if (client.NothingArrivesWithin(TimeSpan.FromMilliseconds(300))) return client;
            using (client) attempts.Add($"at {startedAt.TotalMilliseconds:F0} ms: {client.ReadToEnd(TimeSpan.FromSeconds(1))}");
            Thread.Sleep(Wait.RetryInterval); // poll interval of a bounded loop
        }
    }

    private static void AssertTurnedAway(int port)
    {
        using var extra = Client.Connect(port);
        var outcome = extra.ReadToEnd(TimeSpan.FromSeconds(5));
        Assert.True(outcome.End is End.Fin or End.Reset, $"a connection beyond max-connections should be closed at once, got {outcome}");
        Assert.Empty(outcome.Data);
    }
}
