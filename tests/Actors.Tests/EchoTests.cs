using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

public sealed class EchoTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(4095)]
    [InlineData(4096)]
    [InlineData(4097)]
    [InlineData(16383)]
    [InlineData(16384)]
    [InlineData(16385)]
    [InlineData(65535)]
    [InlineData(65536)]
    [InlineData(65537)]
    [InlineData(1024 * 1024 + 1)]
    public void Echo_writes_back_every_byte_in_order_then_ends_after_the_peer_ends(int size)
    {
        var (_, endPoint) = Listen(Loopback0);
        using var client = Loopback.Connect(endPoint);
        var payload = Loopback.Pattern(size, seed: size);
        var sender = Task.Run(() =>
        {
            client.Send(payload);
            client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        });
        var echoed = Loopback.ReadToEnd(client);
        Assert.True(sender.Wait(Loopback.Wait));
        Assert.Equal(payload, echoed);
    }
}
