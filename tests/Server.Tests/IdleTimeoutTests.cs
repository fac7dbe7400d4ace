using System.Diagnostics;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>docs/contract.md, "Each accepted connection" 3: idle-timeout ends the server's side gracefully, once; every read and write restarts it.</summary>
public class IdleTimeoutTests(ITestOutputHelper output)
{
    /// <summary>The contract's config block; the akka-io subclass sets the transport.</summary>
    private protected virtual ServerConfig Base => ServerConfig.Default;

    [Fact]
    public void An_idle_connection_gets_fin_without_data_after_the_idle_timeout()
    {
        using var server = ServerProcess.StartReady(Base.Handler("echo").IdleTimeout("1s"), output);
        using var client = Client.Connect(server.Port);

        var outcome = client.ReadToEnd(TimeSpan.FromSeconds(6));
        output.WriteLine(outcome.ToString());
        Assert.Equal(End.Fin, outcome.End);
        Assert.Empty(outcome.Data);
        Assert.True(outcome.Elapsed >= TimeSpan.FromMilliseconds(900), $"the idle timeout (1s) fired too early: {outcome}");
    }

    [Fact]
    public void An_idle_timeout_of_zero_never_ends_a_connection()
    {
        using var server = ServerProcess.StartReady(Base.Handler("echo").IdleTimeout("0s"), output);
        using var client = Client.Connect(server.Port);
        client.AssertNothingArrivesWithin(TimeSpan.FromSeconds(1.5), "idle-timeout = 0s is off");
        client.AssertEchoes("alive\n", TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData("echo")]
    [InlineData("discard")]
    public void Every_read_and_write_restarts_the_idle_timer(string handler)
    {
        // echo: each byte is read and written back; discard: reads alone must restart it.
        using var server = ServerProcess.StartReady(Base.Handler(handler).IdleTimeout("1500ms"), output);
        using var client = Client.Connect(server.Port);
        var opened = Stopwatch.GetTimestamp();

        for (var i = 0; i < 6; i++)
        {
            client.Send("k");
            if (handler == "echo") Assert.Equal("k", client.ReadString(1, TimeSpan.FromSeconds(2)));
            // The pause between messages is the check itself: no FIN may arrive while activity continues.
            client.AssertNothingArrivesWithin(TimeSpan.FromMilliseconds(500), $"activity every 500 ms keeps the connection open (round {i})");
        }
        var lastActivity = Stopwatch.GetTimestamp() - (long)(0.5 * Stopwatch.Frequency);

        var outcome = client.ReadToEnd(TimeSpan.FromSeconds(8));
        var idleFor = Wait.Since(lastActivity);
        output.WriteLine($"open {Wait.Since(opened).TotalMilliseconds:F0} ms, FIN {idleFor.TotalMilliseconds:F0} ms after the last activity: {outcome}");
        Assert.Equal(End.Fin, outcome.End);
        Assert.Empty(outcome.Data);
        Assert.True(idleFor >= TimeSpan.FromMilliseconds(1300), $"FIN came {idleFor.TotalMilliseconds:F0} ms after the last activity (idle-timeout 1500ms)");
    }

    [Fact]
    public void After_its_idle_timeout_fin_the_server_still_reads_until_the_clients_fin_instead_of_resetting()
    {
        // Not destroyed: data sent after the server's FIN is read (a closed socket would answer it with RST),
        // and the client's FIN completes an orderly close (the server side then sits in TIME-WAIT).
        using var server = ServerProcess.StartReady(Base.Handler("discard").IdleTimeout("1s"), output);
        using var client = Client.Connect(server.Port);
        var fin = client.ReadToEnd(TimeSpan.FromSeconds(6));
        Assert.Equal(End.Fin, fin.End);

        client.Send(new Pattern(9).Bytes(0, 32 * 1024));
        client.ShutdownSend();
        AssertOrderlyCloseAfterTheClientsFin(server, client);
    }

    [Fact]
    public void After_its_idle_timeout_fin_echo_reads_on_without_echoing_until_the_clients_fin_instead_of_resetting()
    {
        // Node's socket.pipe(socket) stops writing once its side has ended; a write after end would fail the socket,
        // and the client's next bytes would then be answered with RST. Each chunk is sent once the server has read
        // the previous one (its Recv-Q is empty again), so a server that closed after the first would reset the second.
        using var server = ServerProcess.StartReady(Base.Handler("echo").IdleTimeout("1s"), output);
        using var client = Client.Connect(server.Port);
        var fin = client.ReadToEnd(TimeSpan.FromSeconds(6));
        Assert.Equal(End.Fin, fin.End);

        var pattern = new Pattern(10);
        for (var i = 0; i < 3; i++)
        {
            client.Send(pattern.Bytes(i * 4096, 4096));
            if (!SocketStats.Available) continue;
            var (read, state) = SocketStats.WaitForServerSide(server.Port, client.LocalPort, e => e is null || e.RecvQ == 0, TimeSpan.FromSeconds(5));
            Assert.True(read && state is not null, $"chunk {i} should be read by the server, which is still there; ss: {(state?.ToString() ?? "gone, i.e. reset")}");
        }
        client.ShutdownSend();
        AssertOrderlyCloseAfterTheClientsFin(server, client);
    }

    // The server read our data and FIN and closed in order: its side sits in TIME-WAIT, and nothing (no RST) follows.
    private void AssertOrderlyCloseAfterTheClientsFin(ServerProcess server, Client client)
    {
        if (SocketStats.Available)
        {
            var (matched, last) = SocketStats.WaitForServerSide(server.Port, client.LocalPort, e => e is null || e.State == "TIME-WAIT", TimeSpan.FromSeconds(5));
            Assert.True(matched && last is not null,
                $"the server side should end in TIME-WAIT (orderly close after reading our data and FIN); ss: {(last?.ToString() ?? "gone, i.e. reset")}");
        }
        else output.WriteLine(SocketStats.MissingMessage);

        var after = client.ReadToEnd(TimeSpan.FromMilliseconds(300));
        Assert.NotEqual(End.Reset, after.End);
        Assert.Empty(after.Data);
    }
}
