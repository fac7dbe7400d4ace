using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorNet.Handlers;
using ActorNet.Protocol;
using ActorNet.Server;
using ActorNet.Tests.Support;
using ActorNet.Transport;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary><see cref="ActorNetServer"/>: the awaitable start and close, over loopback sockets.</summary>
public sealed class ActorNetServerTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task StartAsync_returns_the_bound_endpoint_and_serves()
    {
        var server = await ActorNetServer.StartAsync(Sys, Loopback0).WaitAsync(Bound);
        var endPoint = Assert.IsType<IPEndPoint>(server.EndPoint);
        Assert.Equal(IPAddress.Loopback, endPoint.Address);
        Assert.NotEqual(0, endPoint.Port);
        using (var client = Loopback.Connect(endPoint))
        {
            client.Send("ping"u8.ToArray());
            Assert.Equal("ping", Encoding.ASCII.GetString(Loopback.ReadExactly(client, 4)));
            client.Shutdown(SocketShutdown.Send);
            Loopback.ExpectEof(client);
        }
        await server.CloseAsync().WaitAsync(Bound);
    }

    [Fact]
    public async Task StartAsync_with_a_handler_factory_serves_that_handler()
    {
        var server = await ActorNetServer.StartAsync(Sys, Loopback0, () => new TallyHandler(), name: "tally-server").WaitAsync(Bound);
        Assert.Equal("tally-server", server.Server.Path.Parent.Name);
        using (var client = Loopback.Connect(server.EndPoint))
        {
            client.Send(new byte[10]);
            client.Shutdown(SocketShutdown.Send);
            Assert.Equal("10\n", Encoding.ASCII.GetString(Loopback.ReadToEnd(client)));
        }
        await server.CloseAsync().WaitAsync(Bound);
    }

    [Fact]
    public async Task A_taken_port_throws_NetException_with_EADDRINUSE()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;
        var e = await Assert.ThrowsAsync<NetException>(() => ActorNetServer.StartAsync(Sys, Loopback0 with { Port = port }).WaitAsync(Bound));
        Assert.Equal("EADDRINUSE", e.Error.Code);
        Assert.Equal(port, e.Error.Port);
        Assert.Equal($"listen EADDRINUSE: address already in use 127.0.0.1:{port}", e.Message);
    }

    [Fact]
    public async Task CloseAsync_refuses_new_connects_and_completes_once_the_live_connection_closes()
    {
        var server = await ActorNetServer.StartAsync(Sys, Loopback0).WaitAsync(Bound);
        using var live = Loopback.Connect(server.EndPoint);
        AwaitLiveCount(server.Server, 1);
        var closing = server.CloseAsync();
        AwaitAssert(() =>
        {
            var refused = Assert.Throws<SocketException>(() => Loopback.Connect(server.EndPoint).Dispose());
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }, Bound, TimeSpan.FromMilliseconds(20));
        // Draining: the live connection still works, and the close waits for it.
        live.Send("still here"u8.ToArray());
        Assert.Equal("still here", Encoding.ASCII.GetString(Loopback.ReadExactly(live, 10)));
        Assert.False(closing.IsCompleted);
        Assert.Same(server.Completion, closing);
        live.Shutdown(SocketShutdown.Send);
        Loopback.ExpectEof(live);
        await closing.WaitAsync(Bound);
    }

    [Fact]
    public async Task ForceCloseAsync_resets_live_connections_and_completes()
    {
        var server = await ActorNetServer.StartAsync(Sys, Loopback0).WaitAsync(Bound);
        using var live = Loopback.Connect(server.EndPoint);
        AwaitLiveCount(server.Server, 1);
        await server.ForceCloseAsync().WaitAsync(Bound);
        var e = Assert.Throws<SocketException>(() => live.Receive(new byte[1]));
        Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
    }

    [Fact]
    public async Task ForceCloseAsync_during_a_drain_resets_what_is_left()
    {
        var server = await ActorNetServer.StartAsync(Sys, Loopback0).WaitAsync(Bound);
        using var live = Loopback.Connect(server.EndPoint);
        AwaitLiveCount(server.Server, 1);
        var closing = server.CloseAsync();
        await server.ForceCloseAsync().WaitAsync(Bound);
        Assert.True(closing.IsCompleted);
        var e = Assert.Throws<SocketException>(() => live.Receive(new byte[1]));
        Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
    }

    [Fact]
    public async Task A_cancelled_start_throws_and_leaves_nothing_running()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ActorNetServer.StartAsync(Sys, Loopback0, cancellationToken: cancelled.Token));
    }
}
