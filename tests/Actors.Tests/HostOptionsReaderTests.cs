using Akka.Configuration;
using ActorNet.Options;
using Xunit;

namespace ActorNet.Tests;

/// <summary><see cref="HostOptionsReader"/>: the executable's <c>actornet.host</c> keys, validated once with the key named.</summary>
public sealed class HostOptionsReaderTests
{
    private static HostOptions Read(string hocon) => HostOptionsReader.Read(ConfigurationFactory.ParseString(hocon));

    [Fact]
    public void Every_key_has_a_default_in_reference_conf() =>
        Assert.Equal(new HostOptions(), HostOptionsReader.Read(Config.Empty));

    [Fact]
    public void The_shipped_event_loop_settings_read_as_written()
    {
        var options = Read("""
            actornet.host {
              inline-socket-completions = on
              idle-memory-trim = 32m
            }
            """);
        Assert.True(options.InlineSocketCompletions);
        Assert.Equal(32L * 1024 * 1024, options.IdleMemoryTrimBytes);
    }

    [Theory]
    [InlineData("off")]
    [InlineData("false")]
    [InlineData("no")]
    [InlineData("\"OFF\"")]
    public void Idle_memory_trim_is_off_by_any_word_for_off(string value) =>
        Assert.Equal(0, Read($"actornet.host.idle-memory-trim = {value}").IdleMemoryTrimBytes);

    [Theory]
    [InlineData("\"1m\"", 1024 * 1024)]
    [InlineData("512k", 512 * 1024)]
    [InlineData("4096", 4096)]
    public void Idle_memory_trim_takes_a_HOCON_size_as_written_on_the_command_line_or_in_a_file(string value, long bytes) =>
        Assert.Equal(bytes, Read($"actornet.host.idle-memory-trim = {value}").IdleMemoryTrimBytes);

    [Theory]
    [InlineData("text", LogFormat.Text)]
    [InlineData("json", LogFormat.Json)]
    [InlineData("\"JSON\"", LogFormat.Json)]
    public void The_log_format_is_text_or_json_in_any_case(string value, LogFormat format) =>
        Assert.Equal(format, Read($"actornet.host.log-format = {value}").LogFormat);

    [Theory]
    [InlineData("log-format = yaml", "actornet.host.log-format: \"yaml\" is not one of text, json")]
    [InlineData("inline-socket-completions = maybe", "actornet.host.inline-socket-completions: \"maybe\" is not a boolean")]
    [InlineData("idle-memory-trim = lots", "actornet.host.idle-memory-trim: \"lots\" is neither off nor a size above zero")]
    [InlineData("idle-memory-trim = 0", "actornet.host.idle-memory-trim: \"0\" is neither off nor a size above zero")]
    [InlineData("foo = 1", "actornet.host.foo: unknown key (known keys: inline-socket-completions, idle-memory-trim, log-format)")]
    [InlineData("idle-memory-trim { size = 32m }", "actornet.host.idle-memory-trim: must be a single value, not an object")]
    public void A_bad_value_or_unknown_key_is_rejected_with_a_message_naming_the_key(string setting, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => Read($"actornet.host {{ {setting} }}"));
        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public void The_host_reader_ignores_the_server_section_and_the_server_reader_the_host_section()
    {
        // Each section is checked by its own reader: one does not call the other's keys unknown.
        var config = ConfigurationFactory.ParseString("actornet.host.idle-memory-trim = 1m\nactornet.server.port = 7000");
        Assert.Equal(1024 * 1024, HostOptionsReader.Read(config).IdleMemoryTrimBytes);
        Assert.Equal(7000, ServerOptionsReader.Read(config).Port);
    }
}
