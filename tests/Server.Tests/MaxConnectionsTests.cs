using System.Diagnostics;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>docs/contract.md, "Each accepted connection" 1: max-connections.</summary>
public class MaxConnectionsTests(ITestOutputHelper output)
{
    /// <summary>The contract's config block; the akka-io subclass sets the transport.</summary>
    private protected virtual ServerConfig Base => ServerConfig.Default;

    private static readonly TimeSpan Short = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SlotWindow = TimeSpan.FromSeconds(2);

    [Fact]
    public void With_max_connections_two_the_third_connection_is_closed_at_once_and_nothing_is_echoed()
    {
        using var server = ServerProcess.StartReady(Base.Handler("echo").MaxConnections(2), output);
        using var a = Wait.ForEchoSlot(server.Port, server.ProbeClosedAt, SlotWindow, "first connection");
        using var b = Wait.ForEchoSlot(server.Port, server.ProbeClosedAt, SlotWindow, "second connection");

        // With data: the client sees connect, then FIN or RST, and no echo.
        using (var c = Client.Connect(server.Port))
        {
            c.Send("must not come back\n");
            var outcome = c.ReadToEnd(Short);
            Assert.True(outcome.End is End.Fin or End.Reset, $"the third connection should be closed at once, got {outcome}");
            Assert.Empty(outcome.Data);
        }

        // Without data: the close is a plain FIN.
        using (var d = Client.Connect(server.Port))
        {
            var outcome = d.ReadToEnd(Short);
            Assert.Equal(End.Fin, outcome.End);
            Assert.Empty(outcome.Data);
        }

        a.AssertEchoes("a still works\n", Short);
        b.AssertEchoes("b still works\n", Short);
    }

    [Fact]
    public void A_slot_freed_by_a_graceful_close_is_usable_again_within_two_seconds()
    {
        using var server = ServerProcess.StartReady(Base.Handler("echo").MaxConnections(1), output);
        var a = Wait.ForEchoSlot(server.Port, server.ProbeClosedAt, SlotWindow, "first connection");
        AssertTurnedAway(server.Port);

        a.ShutdownSend();
        Assert.Equal(End.Fin, a.ReadToEnd(Short).End);
        a.Dispose();
        var closedAt = Stopwatch.GetTimestamp();

        using var b = Wait.ForEchoSlot(server.Port, closedAt, SlotWindow, "after a graceful close");
        b.AssertEchoes("reused\n", Short);
        AssertTurnedAway(server.Port);
    }

    [Fact]
    public void A_slot_freed_by_a_client_reset_is_usable_again_within_two_seconds()
    {
        using var server = ServerProcess.StartReady(Base.Handler("echo").MaxConnections(1), output);
        var a = Wait.ForEchoSlot(server.Port, server.ProbeClosedAt, SlotWindow, "first connection");
        AssertTurnedAway(server.Port);

        a.Reset();
        var resetAt = Stopwatch.GetTimestamp();

        using var b = Wait.ForEchoSlot(server.Port, resetAt, SlotWindow, "after a reset");
        b.AssertEchoes("reused\n", Short);
    }

    [Fact]
    public void A_reset_in_the_middle_of_a_large_echo_only_ends_that_connection_and_frees_its_slot_within_two_seconds()
    {
        using var server = ServerProcess.StartReady(Base.Handler("echo").MaxConnections(1), output);
        var a = Wait.ForEchoSlot(server.Port, server.ProbeClosedAt, SlotWindow, "first connection");

        // Echo is still being written back (the client reads none of it) when the client resets: EPIPE/ECONNRESET on the server.
        a.Send(new Pattern(11).Bytes(0, 1024 * 1024));
        a.Reset();
        var resetAt = Stopwatch.GetTimestamp();

        using var b = Wait.ForEchoSlot(server.Port, resetAt, SlotWindow, "after a reset during echo");
        b.AssertEchoes("server survived\n", Short);
        Assert.False(server.HasExited);
    }

    private static void AssertTurnedAway(int port)
    {
        using var extra = Client.Connect(port);
        extra.Send("x");
        var outcome = extra.ReadToEnd(Short);
        Assert.True(outcome.End is End.Fin or End.Reset, $"a connection beyond max-connections should be closed at once, got {outcome}");
        Assert.Empty(outcome.Data);
    }
}
