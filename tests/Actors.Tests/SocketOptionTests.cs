using System.Net.Sockets;
using Akka.Actor;
using ActorNet.Connection;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Tests.Support;
using ActorNet.Transport.AkkaIo;
using ActorNet.Transport.Sockets;
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

    private sealed record SeenOptions(IActorRef Socket, bool KeepAlive, int Idle, int Interval, int Probes, int UserTimeoutMs, bool NoDelay);

    /// <summary>Reads the accepted socket's options with getsockopt (on connect and on every data).</summary>
    private sealed class OptionReporter(IActorRef probe) : IConnectionHandler
    {
        public void OnConnect(ISocket socket) => Report(socket);

        public void OnData(ISocket socket, ReadOnlySpan<byte> data) => Report(socket);

        private void Report(ISocket socket)
        {
            var raw = ((SocketActor)socket).Transport switch
            {
                SocketsConnection sockets => sockets.Socket,
                AkkaIoConnection akkaIo => akkaIo.Socket!,
                var other => throw new InvalidOperationException($"no socket behind {other.GetType().Name}"),
            };
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
