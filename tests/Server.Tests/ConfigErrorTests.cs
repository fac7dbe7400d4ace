using ActorNet.Tests.Support;
using Xunit;

namespace ActorNet.Tests;

public sealed class ConfigErrorTests
{
    [Fact]
    public void An_out_of_range_port_exits_non_zero_with_a_message_naming_the_key()
    {
        using var server = ServerProcess.Start("actornet.server.port=70000");
        var code = server.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, code);
        Assert.Contains("actornet.server.port: 70000 is out of range (0-65535)", server.Output);
    }
}
