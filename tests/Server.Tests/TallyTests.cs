using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>docs/contract.md, "Handlers", <c>tally</c>: counts the bytes received, writes the count and "\n" in its end callback, then ends.</summary>
public class TallyTests(ITestOutputHelper output)
{
    /// <summary>The contract's config block; the akka-io subclass sets the transport.</summary>
    private protected virtual ServerConfig Base => ServerConfig.Default;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Tally_answers_three_mebibytes_with_the_count_and_a_newline_then_fin(bool allowHalfOpen)
    {
        const int size = 3 * 1024 * 1024;
        using var server = ServerProcess.StartReady(Base.Handler("tally").AllowHalfOpen(allowHalfOpen), output);
        using var client = Client.Connect(server.Port);

        var writer = Background.Run(() =>
        {
            var pattern = new Pattern(5);
            for (var offset = 0; offset < size; offset += 64 * 1024) client.Send(pattern.Bytes(offset, 64 * 1024));
            client.ShutdownSend();
        });
        var outcome = client.ReadToEnd(TimeSpan.FromSeconds(20));

        Assert.True(writer.JoinAndCheck(TimeSpan.FromSeconds(5)), "the client's writes did not finish");
        Assert.Equal("3145728\n", outcome.Text);
        Assert.Equal(End.Fin, outcome.End);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Tally_of_a_connection_that_sent_nothing_answers_zero_then_fin(bool allowHalfOpen)
    {
        using var server = ServerProcess.StartReady(Base.Handler("tally").AllowHalfOpen(allowHalfOpen), output);
        using var client = Client.Connect(server.Port);
        client.ShutdownSend();
        var outcome = client.ReadToEnd(TimeSpan.FromSeconds(5));
        Assert.Equal("0\n", outcome.Text);
        Assert.Equal(End.Fin, outcome.End);
    }

    [Fact]
    public void Tally_writes_nothing_before_the_clients_fin()
    {
        using var server = ServerProcess.StartReady(Base.Handler("tally"), output);
        using var client = Client.Connect(server.Port);
        client.Send("12345");
        client.AssertNothingArrivesWithin(TimeSpan.FromMilliseconds(500), "tally writes its count only in its end callback");
        client.Send("678");
        client.ShutdownSend();
        var outcome = client.ReadToEnd(TimeSpan.FromSeconds(5));
        Assert.Equal("8\n", outcome.Text);
        Assert.Equal(End.Fin, outcome.End);
    }

    [Fact]
    public void Tally_ended_by_the_idle_timeout_sends_fin_without_a_count()
    {
        using var server = ServerProcess.StartReady(Base.Handler("tally").IdleTimeout("1s"), output);
        using var client = Client.Connect(server.Port);
        client.Send("some bytes");

        var outcome = client.ReadToEnd(TimeSpan.FromSeconds(6));
        output.WriteLine(outcome.ToString());
        Assert.Equal(End.Fin, outcome.End);
        Assert.Equal("", outcome.Text);
        Assert.True(outcome.Elapsed >= TimeSpan.FromMilliseconds(800), $"the idle timeout (1s) fired too early: {outcome}");
    }
}
