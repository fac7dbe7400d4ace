using System.Diagnostics;
using System.Net.Sockets;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>
/// docs/contract.md, "Shutdown": at the drain deadline a client that is still sending gets the rest of its echo and
/// a FIN (the server stops reading, flushes, ends), and is reset only after drain-grace.
/// </summary>
public sealed class DrainOfSendingClientsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData("auto")]
    [InlineData("sockets")]
    [InlineData("akka-io")]
    public async Task A_client_still_streaming_at_the_drain_deadline_gets_FIN_then_a_reset_only_after_the_grace(string transport)
    {
        var config = ServerConfig.Default.Handler("echo").With("transport", transport)
            .DrainTimeout("2s").With("drain-grace", "2s");
        using var server = ServerProcess.StartReady(config, output);
        using var client = Client.Connect(server.Port);
        client.AssertEchoes("before\n", TimeSpan.FromSeconds(5));

        var signalled = Stopwatch.GetTimestamp();
        server.Signal(ServerProcess.SIGTERM);
        // Reads everything echoed until the server's FIN (or a reset), while the writer below keeps sending.
        var reader = Task.Factory.StartNew(() => client.ReadToEnd(TimeSpan.FromSeconds(15), keep: false), TaskCreationOptions.LongRunning);
        var writer = Task.Factory.StartNew(() =>
        {
            var chunk = new byte[16 * 1024];
            try
            {
                while (Wait.Since(signalled) < TimeSpan.FromSeconds(15)) client.Socket.Send(chunk);
                return (TimeSpan?)null;
            }
            catch (SocketException)
            {
                return Wait.Since(signalled);
            }
        }, TaskCreationOptions.LongRunning);

        var outcome = await reader;
        var endedAt = Wait.Since(signalled);
        output.WriteLine($"{transport}: read side ended {endedAt.TotalMilliseconds:F0} ms after the signal: {outcome}");
        Assert.Equal(End.Fin, outcome.End);
        Assert.InRange(endedAt, Deadline - TimeSpan.FromMilliseconds(300), Deadline + Grace - TimeSpan.FromMilliseconds(300));

        var resetAt = await writer;
        output.WriteLine($"{transport}: sending failed {resetAt?.TotalMilliseconds:F0} ms after the signal");
        Assert.NotNull(resetAt);
        Assert.True(resetAt >= Deadline + Grace - TimeSpan.FromMilliseconds(300),
            $"the still-sending client was reset {resetAt!.Value.TotalMilliseconds:F0} ms after the signal, before the {Deadline + Grace} of deadline and grace");
        Draining.AssertExitsZero(server, TimeSpan.FromSeconds(5));
    }
}
