using Akka.Configuration;
using ActorNet.Options;
using Xunit;

namespace ActorNet.Tests;

/// <summary><see cref="StatusOptionsReader"/>: the executable's <c>actornet.status</c> keys, validated once with the key named.</summary>
public sealed class StatusOptionsReaderTests
{
    private static StatusOptions Read(string hocon) => StatusOptionsReader.Read(ConfigurationFactory.ParseString(hocon));

    [Fact]
    public void Every_key_has_a_default_in_reference_conf_and_the_endpoint_is_off_by_default()
    {
        var options = StatusOptionsReader.Read(Config.Empty);
        Assert.Equal(new StatusOptions(), options);
        Assert.Equal("127.0.0.1", options.Host);
        Assert.Equal(0, options.Port);
        Assert.False(options.Enabled);
    }

    [Fact]
    public void A_host_and_port_read_as_written_and_a_port_turns_the_endpoint_on()
    {
        var options = Read("""
            actornet.status {
              host = "::1"
              port = 9100
            }
            """);
        Assert.Equal("::1", options.Host);
        Assert.Equal(9100, options.Port);
        Assert.True(options.Enabled);
    }

    [Fact]
    public void A_port_given_as_a_string_on_the_command_line_reads_as_a_number() =>
        Assert.Equal(65535, Read("actornet.status.port = \"65535\"").Port);

    [Theory]
    [InlineData("port = 70000", "actornet.status.port: 70000 is out of range (0-65535)")]
    [InlineData("port = -1", "actornet.status.port: -1 is out of range (0-65535)")]
    [InlineData("port = nine", "actornet.status.port: \"nine\" is not a whole number")]
    [InlineData("host = \"\"", "actornet.status.host: must not be empty")]
    [InlineData("host = \"  \"", "actornet.status.host: must not be empty")]
    [InlineData("prot = 1", "actornet.status.prot: unknown key (known keys: host, port); did you mean actornet.status.port?")]
    [InlineData("port { number = 1 }", "actornet.status.port: must be a single value, not an object")]
    public void A_bad_value_or_unknown_key_is_rejected_with_a_message_naming_the_key(string setting, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => Read($"actornet.status {{ {setting} }}"));
        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public void Every_error_is_reported_at_once()
    {
        var error = Assert.Throws<ConfigException>(() => Read("actornet.status { host = \"\", port = 70000 }"));
        Assert.Equal(["actornet.status.host", "actornet.status.port"], error.Errors.Select(e => e.Key));
    }

    [Fact]
    public void The_status_reader_ignores_the_other_sections_and_they_ignore_it()
    {
        var config = ConfigurationFactory.ParseString("actornet.status.port = 9100\nactornet.server.port = 7000\nactornet.host.idle-memory-trim = 1m");
        Assert.Equal(9100, StatusOptionsReader.Read(config).Port);
        Assert.Equal(7000, ServerOptionsReader.Read(config).Port);
        Assert.Equal(1024 * 1024, HostOptionsReader.Read(config).IdleMemoryTrimBytes);
    }
}
