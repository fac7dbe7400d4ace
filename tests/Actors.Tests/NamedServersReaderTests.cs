using Akka.Configuration;
using ActorNet.Options;
using Xunit;

namespace ActorNet.Tests;

/// <summary>
/// <see cref="ServerOptionsReader.ReadNamed(Config, ActorNet.Handlers.HandlerRegistry?)"/>: servers under
/// actornet.servers take actornet.server's keys, inherit what they do not set except their address, and errors name them.
/// </summary>
public sealed class NamedServersReaderTests
{
    private static IReadOnlyList<KeyValuePair<string, ServerOptions>> Read(string hocon) =>
        ServerOptionsReader.ReadNamed(ConfigurationFactory.ParseString(hocon));

    private static string Error(string hocon) =>
        Assert.Throws<ConfigException>(() => Read(hocon)).Message;

    [Fact]
    public void A_named_server_does_not_inherit_actornet_servers_fd_and_may_have_its_own()
    {
        var servers = Read("""
            actornet.server { fd = 3 }
            actornet.servers {
              plain { host = "127.0.0.1", port = 7001 }
              passed { fd = 4 }
            }
            """);
        Assert.Null(servers[0].Value.ListenDescriptor);
        Assert.Equal(4, servers[1].Value.ListenDescriptor);
    }

    [Fact]
    public void No_section_means_no_named_server() =>
        Assert.Empty(ServerOptionsReader.ReadNamed(Config.Empty));

    [Fact]
    public void A_named_server_keeps_its_own_keys_and_inherits_the_others_from_actornet_server_but_not_its_address()
    {
        var servers = Read("""
            actornet.server { host = "127.0.0.1", port = 7000, handler = tally, max-connections = 5, drain-timeout = 3s, keep-alive.idle = 9s }
            actornet.servers {
              echo { host = "127.0.0.2", port = 7001, max-connections = 7 }
              chat { path = "/tmp/chat.sock", handler = discard, keep-alive { enabled = on } }
            }
            """);
        Assert.Equal(["echo", "chat"], servers.Select(s => s.Key));
        var echo = servers[0].Value;
        Assert.Equal(("127.0.0.2", 7001, 7, "tally"), (echo.Host, echo.Port, echo.MaxConnections, echo.Handler));
        Assert.Equal(TimeSpan.FromSeconds(3), echo.DrainTimeout);
        var chat = servers[1].Value;
        Assert.Equal(("/tmp/chat.sock", "discard", 5), (chat.Path, chat.Handler, chat.MaxConnections));
        // Key by key, as HOCON's withFallback merges objects: its own keep-alive.enabled, actornet.server's idle.
        Assert.True(chat.KeepAlive.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(9), chat.KeepAlive.Idle);
        // Not inherited: reference.conf's host and port (a path was given).
        Assert.Equal(("::", 0), (chat.Host, chat.Port));
    }

    [Theory]
    [InlineData("chat { host = \"127.0.0.1\" }", "actornet.servers.chat.port: is missing: a named server's address is its own (set host and port, path, or fd)")]
    [InlineData("chat { port = 7001 }", "actornet.servers.chat.host: is missing: a named server's address is its own (set host and port, path, or fd)")]
    [InlineData("chat { host = \"127.0.0.1\", port = 70000 }", "actornet.servers.chat.port: 70000 is out of range (0-65535)")]
    [InlineData("chat { host = \"127.0.0.1\", port = 1, max-connections = lots }", "actornet.servers.chat.max-connections: \"lots\" is not a whole number")]
    [InlineData("chat { host = \"127.0.0.1\", port = 1, handler = chargen }", "actornet.servers.chat.handler: unknown handler \"chargen\"")]
    [InlineData("chat { host = \"127.0.0.1\", port = 1, colour = blue }", "actornet.servers.chat.colour: unknown key")]
    [InlineData("default { host = \"127.0.0.1\", port = 1 }", "actornet.servers.default: \"default\" is actornet.server's name (in /status); choose another")]
    public void An_error_names_the_server_and_its_key(string server, string expected) =>
        Assert.StartsWith(expected, Error($"actornet.servers {{ {server} }}"));

    [Fact]
    public void A_bad_value_inherited_from_actornet_server_is_reported_once_under_actornet_server()
    {
        var config = ConfigurationFactory.ParseString("""
            actornet.server.max-connections = lots
            actornet.servers.chat { host = "127.0.0.1", port = 7001 }
            """);
        // The named server goes on with reference.conf's value; the culprit is actornet.server's key.
        Assert.Equal(0, ServerOptionsReader.ReadNamed(config).Single().Value.MaxConnections);
        Assert.Contains("actornet.server.max-connections", Assert.Throws<ConfigException>(() => ServerOptionsReader.Read(config)).Message);
    }

    [Theory]
    [InlineData("actornet.servers.chat { port = 1, colour = blue }", "actornet.servers.chat.colour: unknown key")]
    [InlineData("actornet.servers.chat = 7", "actornet.servers.chat: must be an object")]
    [InlineData("actornet.servers.default { port = 1 }", "actornet.servers.default: \"default\" is actornet.server's name")]
    public void The_whole_configuration_check_knows_named_servers_by_actornet_server_s_keys(string hocon, string expected)
    {
        var errors = ReferenceConfig.Check(ConfigurationFactory.ParseString(hocon));
        Assert.StartsWith(expected, Assert.Single(errors).Message);
    }

    [Fact]
    public void A_named_server_s_key_is_a_known_key_for_the_command_line()
    {
        Assert.True(ReferenceConfig.IsKnownKey("actornet.servers.chat.port"));
        Assert.True(ReferenceConfig.IsKnownKey("actornet.servers.chat.tls.certificate"));
        Assert.False(ReferenceConfig.IsKnownKey("actornet.servers.chat.colour"));
        Assert.False(ReferenceConfig.IsKnownKey("actornet.servers.chat"));
    }
}
