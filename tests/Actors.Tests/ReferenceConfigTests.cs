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
        Assert.Equal(["idle-memory-trim", "inline-socket-completions"], section.KeysRead.Order());
        Assert.Equal(ConfigSection.ReferenceKeys(HostOptionsReader.Section).Order(), section.KeysRead.Order());
    }

    [Fact]
    public void Reference_conf_has_no_section_that_no_reader_reads()
    {
        var sections = ReferenceConfig.Config.GetValue("actornet").GetObject().Items.Keys.Select(key => "actornet." + key);
        Assert.Equal(new[] { HostOptionsReader.Section, ServerOptionsReader.Section }, sections.Order());
        Assert.Equal(["actornet"], ReferenceConfig.Config.Root.GetObject().Items.Keys);
    }
}
