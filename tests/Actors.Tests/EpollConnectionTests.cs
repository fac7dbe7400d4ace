using System.Net;
using System.Net.Sockets;
using ActorNet.Protocol;
using ActorNet.Tests.Support;
using ActorNet.Transport.Sockets;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>
/// The epoll transport's wait protocol, driven directly with a probe as the owner: edge-triggered readiness fires
/// once per arrival, so every wait that could otherwise sleep on data already in the kernel must read at once.
/// </summary>
public sealed class EpollConnectionTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public void A_wait_after_a_Received_that_was_not_read_completes_at_once()
    {
        // The socket actor paused while its wait was armed: the Received came, nothing was read, then Resume waits
        // again. The data is still in the kernel and its edge is spent.
        var (client, connection) = Connected();
        using var clientScope = client;
        connection.WaitReadable();
        client.Send("a"u8.ToArray());
        ExpectMsg<TransportSignal.Readable>();
        connection.WaitReadable();
        ExpectMsg<TransportSignal.Readable>(TimeSpan.FromSeconds(3));
        var read = connection.TryReceive(new byte[16]);
        Assert.Equal(1, read.Bytes);
        Assert.Equal(SocketError.Success, read.Error);
        connection.Close();
    }

    [Fact]
    public void A_wait_after_a_short_read_sleeps_until_more_data_comes()
    {
        var (client, connection) = Connected();
        using var clientScope = client;
        connection.WaitReadable();
        client.Send("abc"u8.ToArray());
        ExpectMsg<TransportSignal.Readable>();
        Assert.Equal(3, connection.TryReceive(new byte[16]).Bytes);
        connection.WaitReadable();
        // epoll reports a socket's current mask on any wakeup, so one edge with nothing new behind it can come
        // (seen once in CI). It must find nothing to read, and the wait after it must sleep: no read spin.
        var early = ReceiveOne(TimeSpan.FromMilliseconds(200));
        if (early is not null)
        {
            Assert.IsType<TransportSignal.Readable>(early);
            var nothing = connection.TryReceive(new byte[16]);
            Assert.Equal(0, nothing.Bytes);
            Assert.Equal(SocketError.WouldBlock, nothing.Error);
            connection.WaitReadable();
            ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        }
        client.Send("d"u8.ToArray());
        ExpectMsg<TransportSignal.Readable>();
        Assert.Equal(1, connection.TryReceive(new byte[16]).Bytes);
        connection.Close();
    }

    [Fact]
    public void A_send_the_kernel_does_not_take_at_once_completes_with_its_whole_length()
    {
        var (client, connection) = Connected();
        using var clientScope = client;
        var data = Loopback.Pattern(8 * 1024 * 1024, seed: 3); // more than both loopback buffers hold
        connection.SendAsync(data);
        var echoed = Loopback.ReadExactly(client, data.Length);
        Assert.Equal(data.Length, ExpectMsg<TransportSignal.Sent>().Bytes);
        Assert.Equal(data, echoed);
        connection.Close();
    }

    private (Socket Client, SocketsConnection Connection) Connected()
    {
        Assert.True(SocketsTransport.EpollSupported, "these tests need epoll (Linux on x64 or arm64)");
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = Loopback.Connect(listener.LocalEndPoint!);
        var connection = new EpollConnection(listener.Accept());
        connection.Attach(TestActor);
        return (client, connection);
    }
}
