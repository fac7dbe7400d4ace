using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>The executable's host settings (actornet.host.*, hocon/server.conf).</summary>
public sealed class HostSettingsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(5);

    [Fact]
    public void After_a_burst_of_connections_and_a_quiet_second_the_server_trims_its_memory_and_keeps_serving()
    {
        using var server = ServerProcess.StartReady(ServerConfig.Default, output, null,
            "actornet.host.idle-memory-trim=1m", "akka.loglevel=DEBUG");
        var clients = Enumerable.Range(0, 300).Select(_ => Client.Connect(server.Port)).ToList();
        foreach (var client in clients) client.AssertEchoes("burst\n", Short);
        foreach (var client in clients) client.Dispose();

        Assert.True(server.WaitForOutput("Idle memory trim", TimeSpan.FromSeconds(10)), $"no trim after the burst; output:\n{server.Output}");
        using var after = Client.Connect(server.Port);
        after.AssertEchoes("after the trim\n", Short);
    }

    [Theory]
    [InlineData("actornet.host.idle-memory-trim=lots")]
    [InlineData("actornet.host.idle-memory-trim=0")]
    public void A_bad_idle_memory_trim_exits_2_naming_the_key(string setting)
    {
        using var server = ServerProcess.Start(setting);
        Assert.Equal(2, server.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.Contains("actornet.host.idle-memory-trim", server.Output);
    }

    [Fact]
    public void An_unknown_host_key_exits_2_naming_the_key_and_the_known_ones()
    {
        using var server = ServerProcess.Start("actornet.host.foo=1");
        Assert.Equal(2, server.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.Contains("actornet.host.foo: unknown key (known keys: inline-socket-completions, idle-memory-trim, log-format)", server.Output);
    }

    [Fact]
    public void Help_lists_the_host_keys_with_the_server_keys()
    {
        using var server = ServerProcess.Start("--help");
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(10)));
        foreach (var key in new[] { "actornet.host", "inline-socket-completions", "idle-memory-trim", "log-format", "actornet.server" })
            Assert.Matches($@"(?m)^\s*{System.Text.RegularExpressions.Regex.Escape(key)}\s*[=:{{]", server.Output);
    }
}
