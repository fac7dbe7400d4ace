using System.Net;
using System.Net.Sockets;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>docs/contract.md, "Config file": bad configuration and a busy port stop the server with a message; --help lists the keys.</summary>
public sealed class ConfigErrorTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ExitWithin = TimeSpan.FromSeconds(30);

    [Fact]
    public void An_out_of_range_port_exits_non_zero_with_a_message_naming_the_key()
    {
        using var server = ServerProcess.Start("actornet.server.port=70000");
        var code = server.WaitForExit(ExitWithin);
        Assert.NotEqual(0, code);
        Assert.Contains("actornet.server.port: 70000 is out of range (0-65535)", server.Output);
    }

    [Theory]
    [InlineData("port", "70000", "actornet.server.port")]
    [InlineData("port", "-1", "actornet.server.port")]
    [InlineData("port", "seven", "actornet.server.port")]
    [InlineData("colour", "blue", "actornet.server.colour")]
    [InlineData("keep-alive.colour", "blue", "actornet.server.keep-alive.colour")]
    [InlineData("max-connections", "lots", "actornet.server.max-connections")]
    [InlineData("max-connections", "-1", "actornet.server.max-connections")]
    [InlineData("backlog", "-1", "actornet.server.backlog")]
    [InlineData("backlog", "0", "actornet.server.backlog")]
    [InlineData("handler", "chargen", "actornet.server.handler")]
    [InlineData("allow-half-open", "maybe", "actornet.server.allow-half-open")]
    [InlineData("pause-on-connect", "42", "actornet.server.pause-on-connect")]
    [InlineData("idle-timeout", "soon", "actornet.server.idle-timeout")]
    [InlineData("keep-alive.enabled", "sometimes", "actornet.server.keep-alive.enabled")]
    [InlineData("keep-alive.idle", "later", "actornet.server.keep-alive.idle")]
    [InlineData("no-delay", "fast", "actornet.server.no-delay")]
    [InlineData("drain-timeout", "-1s", "actornet.server.drain-timeout")]
    [InlineData("proxy-protocol", "sometimes", "actornet.server.proxy-protocol")]
    [InlineData("proxy-header-timeout", "-1s", "actornet.server.proxy-header-timeout")]
    public void A_bad_value_or_unknown_key_in_the_config_file_exits_non_zero_with_a_message_naming_the_key(string key, string value, string named)
    {
        using var server = ServerProcess.StartWithConfig(ServerConfig.Default.With(key, value), ServerProcess.FreePort(), output);
        var code = server.WaitForExit(ExitWithin);
        Assert.NotEqual(0, code);
        Assert.Contains(named, server.Output);
    }

    [Fact]
    public void A_bad_event_loop_switch_on_the_command_line_exits_2_naming_the_key()
    {
        using var server = ServerProcess.Start("actornet.host.inline-socket-completions=maybe");
        Assert.Equal(2, server.WaitForExit(ExitWithin));
        Assert.Contains("actornet.host.inline-socket-completions", server.Output);
    }

    [Fact]
    public void A_port_already_in_use_exits_non_zero_with_an_address_in_use_message()
    {
        var occupier = new TcpListener(IPAddress.Loopback, 0);
        occupier.Start();
        try
        {
            var port = ((IPEndPoint)occupier.LocalEndpoint).Port;
            using var server = ServerProcess.StartWithConfig(ServerConfig.Default, port, output);
            var code = server.WaitForExit(ExitWithin);
            Assert.NotEqual(0, code);
            var text = server.Output;
            Assert.True(text.Contains("EADDRINUSE", StringComparison.Ordinal) || text.Contains("address already in use", StringComparison.OrdinalIgnoreCase),
                $"expected EADDRINUSE or \"address already in use\" in:\n{text}");
        }
        finally
        {
            occupier.Stop();
        }
    }

    [Fact]
    public void Help_exits_zero_and_lists_every_key_of_the_contract()
    {
        using var server = ServerProcess.Start("--help");
        var code = server.WaitForExit(ExitWithin);
        var text = server.Output;
        output.WriteLine(text);
        Assert.Equal(0, code);
        foreach (var key in new[]
                 {
                     "host", "port", "backlog", "handler", "allow-half-open", "pause-on-connect", "max-connections",
                     "idle-timeout", "keep-alive", "enabled", "idle", "no-delay", "drain-timeout",
                 })
            Assert.Matches($@"(?m)^\s*{System.Text.RegularExpressions.Regex.Escape(key)}\s*[=:{{]", text);
    }
}
