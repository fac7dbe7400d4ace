using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>
/// The open-files limit: a flood past it is turned away promptly (FIN or RST, never a hang), the process lives,
/// serves again, and its descriptors return to where they were (<see cref="DescriptorFlood"/>, shared with the
/// embedded library's test in Actors.Tests). Each run uses a limit of 256 (soft and hard).
/// </summary>
public sealed class DescriptorLimitTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("auto")]
    [InlineData("sockets")]
    [InlineData("akka-io")]
    public async Task A_flood_past_the_open_files_limit_is_turned_away_and_the_server_lives_and_recovers(string transport)
    {
        using var server = ServerProcess.StartReady(ServerConfig.Default.Handler("echo").With("transport", transport), output, null,
            DescriptorFlood.OpenFilesLimit);
        await new DescriptorFlood(server.Pid, server.Port, () => server.HasExited, () => server.Output, data => data, output).RunAsync();
    }
}
