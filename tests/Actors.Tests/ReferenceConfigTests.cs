using Akka.Configuration;
using ActorNet.Handlers;
using ActorNet.Options;
using Xunit;

namespace ActorNet.Tests;

/// <summary>hocon/reference.conf is the one list of keys: each reader reads exactly the keys it has, no more, no fewer.</summary>
public sealed class ReferenceConfigTests
{
    [Fact]
    public void The_server_reader_reads_exactly_the_keys_reference_conf_has_under_actornet_server()
    {
        var section = new ConfigSection(Config.Empty, ServerOptionsReader.Section);
        ServerOptionsReader.ReadSection(section, HandlerRegistry.BuiltIn);
        Assert.Equal(ConfigSection.ReferenceKeys(ServerOptionsReader.Section).Order(), section.KeysRead.Order());
    }

    [Fact]
    public void The_host_reader_reads_exactly_the_keys_reference_conf_has_under_actornet_host()
    {
        var section = new ConfigSection(Config.Empty, HostOptionsReader.Section);
        HostOptionsReader.ReadSection(section);
        Assert.Equal(["idle-memory-trim", "inline-socket-completions", "log-format"], section.KeysRead.Order());
        Assert.Equal(ConfigSection.ReferenceKeys(HostOptionsReader.Section).Order(), section.KeysRead.Order());
    }

    [Fact]
    public void The_status_reader_reads_exactly_the_keys_reference_conf_has_under_actornet_status()
    {
        var section = new ConfigSection(Config.Empty, StatusOptionsReader.Section);
        StatusOptionsReader.ReadSection(section);
        Assert.Equal(["host", "port"], section.KeysRead.Order());
        Assert.Equal(ConfigSection.ReferenceKeys(StatusOptionsReader.Section).Order(), section.KeysRead.Order());
    }

    [Fact]
    public void The_metrics_reader_reads_exactly_the_keys_reference_conf_has_under_actornet_metrics()
    {
        var section = new ConfigSection(Config.Empty, MetricsOptionsReader.Section);
        MetricsOptionsReader.ReadSection(section);
        Assert.Equal(["otlp.endpoint", "otlp.interval", "otlp.protocol"], section.KeysRead.Order());
        Assert.Equal(ConfigSection.ReferenceKeys(MetricsOptionsReader.Section).Order(), section.KeysRead.Order());
    }

    [Fact]
    public void Reference_conf_has_no_section_that_no_reader_reads()
    {
        var sections = ReferenceConfig.Config.GetValue("actornet").GetObject().Items.Keys.Select(key => "actornet." + key);
        Assert.Equal(new[] { HostOptionsReader.Section, MetricsOptionsReader.Section, ServerOptionsReader.Section, ServerOptionsReader.NamedSection, StatusOptionsReader.Section }, sections.Order());
        Assert.Equal(["actornet"], ReferenceConfig.Config.Root.GetObject().Items.Keys);
    }

    [Theory]
    [InlineData("actornet.sever { port = 7101 }", "actornet.sever: unknown key (known keys: server, servers, host, status, metrics, socket-dispatcher, socket-mailbox); did you mean actornet.server?")]
    [InlineData("actornet.host.idle-memory-trm = 32m", "actornet.host.idle-memory-trm: unknown key (known keys: inline-socket-completions, idle-memory-trim, log-format); did you mean actornet.host.idle-memory-trim?")]
    [InlineData("actornet.server.keep-alive.idel = 1s", "actornet.server.keep-alive.idel: unknown key (known keys: enabled, idle, interval, probes, user-timeout); did you mean actornet.server.keep-alive.idle?")]
    [InlineData("actornet = 5", "actornet: must be an object")]
    [InlineData("actornet.socket-mailbox = lean", "actornet.socket-mailbox: must be an object (an Akka dispatcher or mailbox definition)")]
    public void Check_rejects_every_key_under_actornet_that_reference_conf_does_not_have(string hocon, string expected)
    {
        var errors = ReferenceConfig.Check(ConfigurationFactory.ParseString(hocon));
        Assert.Equal([expected], errors.Select(e => e.Message));
    }

    [Fact]
    public void Check_allows_the_socket_dispatcher_and_mailbox_definitions_and_keys_outside_actornet()
    {
        var config = ConfigurationFactory.ParseString("""
            actornet.socket-dispatcher { type = Dispatcher, throughput = 64, anything { goes = here } }
            actornet.socket-mailbox { mailbox-type = "X, Y" }
            actornet.server.port = 1
            akka.loglevel = DEBUG
            """);
        Assert.Empty(ReferenceConfig.Check(config));
        Assert.Empty(ReferenceConfig.Check(Config.Empty));
    }

    [Fact]
    public void The_free_form_sections_are_documented_in_reference_conf()
    {
        foreach (var section in ReferenceConfig.FreeFormSections)
            Assert.Contains(section, ReferenceConfig.Text);
    }

    [Theory]
    [InlineData("port", "actornet.server.port or actornet.status.port")]
    [InlineData("server.port", "actornet.server.port")]
    [InlineData("sever.port", "actornet.server.port")]
    [InlineData("actornet.server.prot", "actornet.server.port")]
    [InlineData("actornet.host.idle-memory-trm", "actornet.host.idle-memory-trim")]
    [InlineData("idle", "actornet.server.keep-alive.idle")]
    [InlineData("drain-timeot", "actornet.server.drain-timeout")]
    [InlineData("akka.loglevel", null)]
    [InlineData("colour", null)]
    public void Suggest_names_the_key_a_bare_or_misspelt_one_was_meant_to_be(string key, string? expected) =>
        Assert.Equal(expected, ReferenceConfig.Suggest(key));
}
