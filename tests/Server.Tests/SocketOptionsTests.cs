using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>
/// docs/contract.md, "Config file" and "Each accepted connection" 2: keep-alive and backlog, checked on the
/// server's own sockets with <c>ss</c> (a client cannot see the peer's SO_KEEPALIVE or TCP_KEEPIDLE). Without ss
/// the client-side checks still run.
/// </summary>
public class SocketOptionsTests(ITestOutputHelper output)
{
    /// <summary>The contract's config block; the akka-io subclass sets the transport.</summary>
    private protected virtual ServerConfig Base => ServerConfig.Default;

    private static readonly TimeSpan Short = TimeSpan.FromSeconds(5);

    [Fact]
    public void Keep_alive_enabled_with_idle_seven_seconds_arms_a_keepalive_timer_of_at_most_seven_seconds_on_the_accepted_socket()
    {
        var timer = KeepAliveTimerOfAnEchoConnection(Base.KeepAlive(true, "7s"));
        if (timer is null) return;
        Assert.True(timer.Value.HasValue, "SO_KEEPALIVE is not set on the accepted socket (no keepalive timer)");
        Assert.InRange(timer.Value!.Value, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(7));
    }

    [Fact]
    public void Keep_alive_idle_is_truncated_to_whole_seconds()
    {
        // 1900ms -> TCP_KEEPIDLE = 1 (Node's ~~(ms/1000)); rounding up would show up to 2 s.
        var timer = KeepAliveTimerOfAnEchoConnection(Base.KeepAlive(true, "1900ms"));
        if (timer is null) return;
        Assert.True(timer.Value.HasValue, "SO_KEEPALIVE is not set on the accepted socket (no keepalive timer)");
        Assert.InRange(timer.Value!.Value, TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Keep_alive_idle_below_one_second_leaves_the_os_default()
    {
        var timer = KeepAliveTimerOfAnEchoConnection(Base.KeepAlive(true, "500ms"));
        if (timer is null) return;
        Assert.True(timer.Value.HasValue, "SO_KEEPALIVE is not set on the accepted socket (no keepalive timer)");
        var osDefault = TimeSpan.FromSeconds(int.Parse(File.ReadAllText("/proc/sys/net/ipv4/tcp_keepalive_time").Trim()));
        output.WriteLine($"OS default tcp_keepalive_time: {osDefault}");
        Assert.InRange(timer.Value!.Value, osDefault - TimeSpan.FromSeconds(60), osDefault);
    }

    [Fact]
    public void Keep_alive_disabled_arms_no_keepalive_timer()
    {
        var timer = KeepAliveTimerOfAnEchoConnection(Base.KeepAlive(false, "7s"));
        if (timer is null) return;
        Assert.Null(timer.Value);
    }

    [Fact]
    public void Keep_alive_still_applies_to_paused_connections()
    {
        using var server = ServerProcess.StartReady(Base.PauseOnConnect(true).KeepAlive(true, "7s"), output);
        using var client = Client.Connect(server.Port);
        client.AssertNothingArrivesWithin(TimeSpan.FromMilliseconds(200), "a paused connection stays open");
        if (!SocketStats.Available)
        {
            output.WriteLine(SocketStats.MissingMessage);
            return;
        }
        var (matched, last) = SocketStats.WaitForServerSide(server.Port, client.LocalPort, e => e?.KeepAliveTimer is not null, Short);
        Assert.True(matched, $"the paused connection's server socket should have a keepalive timer, ss: {last}");
        Assert.InRange(last!.KeepAliveTimer!.Value, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(7));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    public void The_listening_socket_uses_the_configured_backlog(int backlog)
    {
        using var server = ServerProcess.StartReady(Base.With("backlog", backlog.ToString()), output);
        using (var client = Client.Connect(server.Port)) client.AssertEchoes("listening\n", Short);
        if (!SocketStats.Available)
        {
            output.WriteLine(SocketStats.MissingMessage);
            return;
        }
        // For a listening socket, ss shows the backlog in the Send-Q column.
        var listener = SocketStats.Listener(server.Port);
        Assert.NotNull(listener);
        Assert.Equal(backlog, listener.SendQ);
    }

    /// <summary>
    /// Starts a server, opens an echo connection and reads the keep-alive timer of the server's side:
    /// null when ss is missing (after the client-side checks), else a box with the timer (null inside: none).
    /// </summary>
    private Box? KeepAliveTimerOfAnEchoConnection(ServerConfig config)
    {
        using var server = ServerProcess.StartReady(config, output);
        using var client = Client.Connect(server.Port);
        client.AssertEchoes("keep me\n", Short);
        if (!SocketStats.Available)
        {
            output.WriteLine(SocketStats.MissingMessage);
            return null;
        }
        var entry = SocketStats.ServerSide(server.Port, client.LocalPort);
        output.WriteLine($"server side: {entry}");
        Assert.NotNull(entry);
        Assert.Equal("ESTAB", entry.State);
        return new Box(entry.KeepAliveTimer);
    }

    private sealed record Box(TimeSpan? Value);
}
