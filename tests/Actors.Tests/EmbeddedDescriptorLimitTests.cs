using System.Net;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>
/// A process embedding the library at its open-files limit: the HandlerServer example under <c>ulimit -n 256</c>, which
/// it never raises, with the runtime's defaults (W^X on). The library reads the limit in force and closes connections
/// past its line, so descriptors stay free for the runtime (a new thread needs some) and the process outlives a flood
/// of 1,000 connections, then serves byte-exact again with its descriptors back (docs/architecture.md, "At the
/// open-files limit"). The checks are the executable's (Server.Tests, DescriptorLimitTests): <see cref="DescriptorFlood"/>.
/// </summary>
public sealed class EmbeddedDescriptorLimitTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_server_embedded_in_a_process_outlives_a_flood_past_the_limit_and_serves_again_with_its_descriptors_back()
    {
        using var server = ExampleProcess.StartUnderOpenFilesLimit(DescriptorFlood.OpenFilesLimit, "HandlerServer", "0");
        try
        {
            var port = IPEndPoint.Parse(server.WaitForLine("listening on ", Bound)).Port;
            await new DescriptorFlood(server.Pid, port, () => server.HasExited, () => server.Output, UpperCased, output).RunAsync();
        }
        finally
        {
            output.WriteLine(server.Output);
        }
    }

    // What the example's handler writes back: a-z upper-cased, every other byte as it is.
    private static byte[] UpperCased(byte[] data) => data.Select(b => b is >= (byte)'a' and <= (byte)'z' ? (byte)(b - 32) : b).ToArray();
}
