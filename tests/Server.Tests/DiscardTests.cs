using System.Diagnostics;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>docs/contract.md, "Handlers", <c>discard</c> (RFC 863): reads and drops everything, never writes.</summary>
public class DiscardTests(ITestOutputHelper output)
{
    /// <summary>The contract's config block; the akka-io subclass sets the transport.</summary>
    private protected virtual ServerConfig Base => ServerConfig.Default;

    private static readonly TimeSpan Short = TimeSpan.FromSeconds(5);

    [Fact]
    public void Discard_with_allow_half_open_off_never_writes_and_answers_the_clients_fin_with_fin_at_once()
    {
        using var server = ServerProcess.StartReady(Base.Handler("discard").AllowHalfOpen(false), output);
        using var client = Client.Connect(server.Port);

        client.Send(new Pattern(1).Bytes(0, 256 * 1024));
        client.AssertNothingArrivesWithin(TimeSpan.FromMilliseconds(300), "discard never writes and waits for the client's FIN");
        client.ShutdownSend();
        var outcome = client.ReadToEnd(TimeSpan.FromSeconds(2));
        Assert.Equal(End.Fin, outcome.End);
        Assert.Empty(outcome.Data);
    }

    [Fact]
    public void Discard_with_allow_half_open_on_stays_half_open_after_the_clients_fin_until_the_idle_timeout_ends_it()
    {
        var config = Base.Handler("discard").AllowHalfOpen(true).IdleTimeout("2s");
        using var server = ServerProcess.StartReady(config, output);
        using var client = Client.Connect(server.Port);

        client.Send(new Pattern(2).Bytes(0, 64 * 1024));
        client.ShutdownSend();
        var finSent = Stopwatch.GetTimestamp();

        if (SocketStats.Available)
        {
            // The server's kernel has our FIN, and the server does not close its side: CLOSE-WAIT.
            var (matched, last) = SocketStats.WaitForServerSide(server.Port, client.LocalPort, e => e?.State == "CLOSE-WAIT", Short);
            Assert.True(matched, $"the server side should be in CLOSE-WAIT after the client's FIN, ss: {last}");
        }
        else output.WriteLine(SocketStats.MissingMessage);

        // Only the 2 s idle timeout ends the server's side, with a FIN and no data.
        var outcome = client.ReadToEnd(TimeSpan.FromSeconds(10));
        var after = Wait.Since(finSent);
        output.WriteLine($"server's FIN {after.TotalMilliseconds:F0} ms after the client's FIN: {outcome}");
        Assert.Equal(End.Fin, outcome.End);
        Assert.Empty(outcome.Data);
        Assert.True(after >= TimeSpan.FromMilliseconds(1500),
            $"with allow-half-open on the server must stay half-open after the client's FIN, but it ended {after.TotalMilliseconds:F0} ms later (idle-timeout 2s)");
    }

    [Fact]
    public void Discard_with_allow_half_open_on_keeps_the_connection_half_open_while_nothing_else_ends_it()
    {
        var config = Base.Handler("discard").AllowHalfOpen(true);
        using var server = ServerProcess.StartReady(config, output);
        using var client = Client.Connect(server.Port);

        client.Send(new Pattern(3).Bytes(0, 64 * 1024));
        client.ShutdownSend();
        if (SocketStats.Available)
        {
            var (matched, last) = SocketStats.WaitForServerSide(server.Port, client.LocalPort, e => e?.State == "CLOSE-WAIT", Short);
            Assert.True(matched, $"the server side should be in CLOSE-WAIT after the client's FIN, ss: {last}");
        }
        else output.WriteLine(SocketStats.MissingMessage);

        client.AssertNothingArrivesWithin(TimeSpan.FromSeconds(1.5), "with allow-half-open on, discard never ends its side by itself");
        if (SocketStats.Available)
        {
            var entry = SocketStats.ServerSide(server.Port, client.LocalPort);
            Assert.Equal("CLOSE-WAIT", entry?.State);
        }
    }

    [Fact]
    public void Discard_with_allow_half_open_on_releases_the_slot_of_a_half_open_connection_that_the_client_resets()
    {
        // The readiness probe's FIN leaves it half-open too (discard with allow-half-open on never ends it), so it
        // may keep its slot: with max-connections = 2, connections are taken until one is turned away.
        var config = Base.Handler("discard").AllowHalfOpen(true).MaxConnections(2);
        using var server = ServerProcess.StartReady(config, output);

        var held = new List<Client>();
        try
        {
            Outcome? rejected = null;
            for (var i = 0; i < 3 && rejected is null; i++)
            {
                var candidate = Client.Connect(server.Port);
                if (IsHeldHalfOpen(candidate)) held.Add(candidate);
                else
                {
                    rejected = candidate.ReadToEnd(TimeSpan.FromSeconds(1));
                    candidate.Dispose();
                }
            }
            output.WriteLine($"half-open connections held: {held.Count}, then {rejected?.ToString() ?? "no rejection"}");
            Assert.True(held.Count >= 1 && rejected is not null, $"expected 1 or 2 half-open connections to be accepted, then one turned away; accepted {held.Count}");

            // Reset one half-open connection: its slot must be usable within 2 s.
            held[0].Reset();
            held.RemoveAt(0);
            var resetAt = Stopwatch.GetTimestamp();
            var attempts = new List<string>();
            while (true)
            {
                var startedAt = Wait.Since(resetAt);
                Assert.True(startedAt <= TimeSpan.FromSeconds(2), $"after the client reset a half-open connection, no connection was accepted within 2 s; {Wait.Summary(attempts)}");
                var candidate = Client.Connect(server.Port);
                if (IsHeldHalfOpen(candidate))
                {
                    held.Add(candidate);
                    break;
                }
                attempts.Add($"at {startedAt.TotalMilliseconds:F0} ms: {candidate.ReadToEnd(TimeSpan.FromMilliseconds(100))}");
                candidate.Dispose();
                Thread.Sleep(Wait.RetryInterval); // poll interval of a bounded loop
            }
        }
        finally
        {
            foreach (var client in held) client.Dispose();
        }
    }

    /// <summary>Sends a byte and FIN: an accepted connection then stays quiet (half-open), a turned-away one sees FIN or RST at once.</summary>
    private static bool IsHeldHalfOpen(Client client)
    {
        client.Send("x");
        client.ShutdownSend();
        return client.NothingArrivesWithin(TimeSpan.FromMilliseconds(500));
    }
}
