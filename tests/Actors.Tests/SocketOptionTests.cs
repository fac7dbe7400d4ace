using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using ActorNet.Connection;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Tests.Support;
using ActorNet.Transport.AkkaIo;
using ActorNet.Transport;
using ActorNet.Transport.Sockets;
using ActorNet.Transport.Tls;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

public sealed class SocketOptionTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void Keep_alive_and_no_delay_from_the_options_are_set_on_the_accepted_socket(string transport)
    {
        var keepAlive = new KeepAliveOptions(true, TimeSpan.FromSeconds(7.9), TimeSpan.FromSeconds(3), 4, TimeSpan.FromSeconds(20));
        var (_, endPoint) = Listen(On(transport) with { KeepAlive = keepAlive, NoDelay = true }, () => new OptionReporter(TestActor));
        using var client = Loopback.Connect(endPoint);
        var seen = ExpectMsg<SeenOptions>();
        Assert.True(seen.KeepAlive);
        Assert.Equal(7, seen.Idle); // whole seconds, truncated like Node
        Assert.Equal(3, seen.Interval);
        Assert.Equal(4, seen.Probes);
        Assert.Equal(20_000, seen.UserTimeoutMs);
        Assert.True(seen.NoDelay);
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void Keep_alive_and_no_delay_can_change_on_a_live_socket(string transport)
    {
        var (_, endPoint) = Listen(On(transport), () => new OptionReporter(TestActor));
        using var client = Loopback.Connect(endPoint);
        var before = ExpectMsg<SeenOptions>();
        Assert.False(before.KeepAlive);
        Assert.False(before.NoDelay);
        before.Socket.Tell(new SocketProtocol.SetKeepAlive(new KeepAliveOptions(true, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5), 3, TimeSpan.Zero)));
        before.Socket.Tell(new SocketProtocol.SetNoDelay(true));
        client.Send("?"u8.ToArray()); // the reporter reports again on data
        var after = ExpectMsg<SeenOptions>();
        Assert.True(after.KeepAlive);
        Assert.Equal(60, after.Idle);
        Assert.Equal(5, after.Interval);
        Assert.Equal(3, after.Probes);
        Assert.True(after.NoDelay);
    }

    public static TheoryData<string, bool> TransportsAndNoDelay()
    {
        var data = new TheoryData<string, bool>();
        foreach (var transport in Transports)
        {
            data.Add(transport, false);
            data.Add(transport, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(TransportsAndNoDelay))]
    public async Task Over_TLS_no_delay_is_on_until_the_first_write_then_as_configured(string transport, bool noDelay)
    {
        // Without it a reply right after a TLS 1.3 handshake waits behind the session tickets for a delayed ACK.
        var (_, endPoint) = Listen(On(transport) with { NoDelay = noDelay, Tls = new TlsServerOptions { Certificate = Certificate } },
            () => new OptionReporter(TestActor, greeting: "hi"u8.ToArray()));
        await using var client = await TlsClient.ConnectAsync(endPoint, Certificate);
        Assert.True(ExpectMsg<SeenOptions>().NoDelay); // reported before the greeting is written
        Assert.Equal("hi"u8.ToArray(), await client.ReadExactlyAsync(2));

        // The switch follows the greeting's completion on the server's side: asked again until it shows (bounded),
        // and at least twice, so that a late switch to the wrong value would be seen.
        SeenOptions after;
        var asked = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        do
        {
            await client.Ssl.WriteAsync("?"u8.ToArray());
            after = ExpectMsg<SeenOptions>();
        } while ((++asked < 2 || after.NoDelay != noDelay) && DateTime.UtcNow < deadline);
        Assert.Equal(noDelay, after.NoDelay);
    }

    private static readonly X509Certificate2 Certificate = TestCertificates.SelfSigned();

    private sealed record SeenOptions(IActorRef Socket, bool KeepAlive, int Idle, int Interval, int Probes, int UserTimeoutMs, bool NoDelay);

    /// <summary>Reads the accepted socket's options with getsockopt (on connect and on every data).</summary>
    private sealed class OptionReporter(IActorRef probe, byte[]? greeting = null) : IConnectionHandler
    {
        public void OnConnect(ISocket socket)
        {
            Report(socket);
            if (greeting is not null) socket.Write(greeting);
        }

        public void OnData(ISocket socket, ReadOnlySpan<byte> data) => Report(socket);

        private static Socket Raw(ITransportConnection connection) => connection switch
        {
            SocketsConnection sockets => sockets.Socket,
            AkkaIoConnection akkaIo => akkaIo.Socket!,
            TlsConnection tls => Raw(tls.Inner),
            var other => throw new InvalidOperationException($"no socket behind {other.GetType().Name}"),
        };

        private void Report(ISocket socket)
        {
            var raw = Raw(((SocketActor)socket).Transport);
            probe.Tell(new SeenOptions(socket.Self,
                (int)raw.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive)! != 0,
                (int)raw.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime)!,
                (int)raw.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval)!,
                (int)raw.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount)!,
                SocketTuning.GetUserTimeoutMs(raw),
                raw.NoDelay));
        }
    }
}
