using System.Diagnostics;
using System.Text.Json;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ActorNet.Tests;

/// <summary>actornet.servers: several servers in one executable, each with its own handler and limits, one drain.</summary>
public sealed class SeveralServersTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SlotWindow = TimeSpan.FromSeconds(2);

    /// <summary>Command-line settings for a named server on 127.0.0.1:<paramref name="port"/>, plus <paramref name="more"/> (KEY=VALUE).</summary>
    private static string[] Named(string name, int port, params string[] more) =>
    [
        $"actornet.servers.{name}.host=127.0.0.1",
        $"actornet.servers.{name}.port={port}",
        .. more.Select(m => $"actornet.servers.{name}.{m}"),
    ];

    /// <summary>Starts the default server (ready) with a named one; waits for the named one's Listening line.</summary>
    private ServerProcess StartTwo(ServerConfig config, int namedPort, params string[] overrides)
    {
        var server = ServerProcess.StartReady(config, output, null, overrides);
        if (!server.WaitForOutput($"Listening on 127.0.0.1:{namedPort} ", Short))
        {
            server.Dispose();
            throw new XunitException($"the named server did not listen on {namedPort}; output:\n{server.Output}");
        }
        return server;
    }

    [Fact]
    public void One_process_serves_two_servers_with_different_handlers_at_once_and_status_shows_both()
    {
        var tallyPort = ServerProcess.FreePort();
        var statusPort = ServerProcess.FreePort();
        using var server = StartTwo(ServerConfig.Default.Handler("echo"), tallyPort,
            [.. Named("counter", tallyPort, "handler=tally"), "actornet.status.host=127.0.0.1", $"actornet.status.port={statusPort}"]);

        using var echo = Client.Connect(server.Port);
        using var tally = Client.Connect(tallyPort);
        echo.AssertEchoes("echoed\n", Short);
        tally.Send("abcde");
        // One live connection on each: /status counts both, and each under its name.
        var status = WaitForStatus(statusPort, s => s.GetProperty("live").GetInt32() == 2
            && s.GetProperty("servers").GetProperty("counter").GetProperty("live").GetInt32() == 1
            && s.GetProperty("servers").GetProperty("default").GetProperty("live").GetInt32() == 1);
        Assert.True(status.GetProperty("listening").GetBoolean());
        var counter = status.GetProperty("servers").GetProperty("counter");
        Assert.Equal($"127.0.0.1:{tallyPort}", counter.GetProperty("endpoint").GetString());
        Assert.Equal("tally", counter.GetProperty("handler").GetString());
        Assert.True(counter.GetProperty("listening").GetBoolean());
        Assert.Equal("echo", status.GetProperty("servers").GetProperty("default").GetProperty("handler").GetString());

        tally.ShutdownSend();
        var outcome = tally.ReadToEnd(Short);
        Assert.Equal(("5\n", End.Fin), (outcome.Text, outcome.End));
        echo.AssertEchoes("still echoed\n", Short);
    }

    [Fact]
    public void Each_server_s_max_connections_is_its_own()
    {
        var namedPort = ServerProcess.FreePort();
        // actornet.server allows one; the named server sets two of its own.
        using var server = StartTwo(ServerConfig.Default.MaxConnections(1), namedPort, Named("wide", namedPort, "max-connections=2"));

        using var a = Wait.ForEchoSlot(server.Port, server.ProbeClosedAt, SlotWindow, "the default server's one slot");
        AssertTurnedAway(server.Port);

        using var b = Client.Connect(namedPort);
        using var c = Client.Connect(namedPort);
        b.AssertEchoes("b\n", Short);
        c.AssertEchoes("c\n", Short);
        AssertTurnedAway(namedPort);
        a.AssertEchoes("a still works\n", Short);
    }

    [Fact]
    public void SIGTERM_drains_both_servers_a_held_connection_on_each_gets_the_drain_and_the_process_exits_0()
    {
        var namedPort = ServerProcess.FreePort();
        // Both drain for 1 s: the named server inherits actornet.server's drain-timeout.
        using var server = StartTwo(ServerConfig.Default.DrainTimeout("1s"), namedPort, Named("other", namedPort));
        using var first = Client.Connect(server.Port);
        using var second = Client.Connect(namedPort);
        first.AssertEchoes("first\n", Short);
        second.AssertEchoes("second\n", Short);

        server.Signal(ServerProcess.SIGTERM);
        Assert.True(server.WaitForOutput($"Stopped accepting on 127.0.0.1:{namedPort}", Short), server.Output);
        Assert.True(server.WaitForOutput($"Stopped accepting on 127.0.0.1:{server.Port}", Short), server.Output);
        Draining.AssertStillEchoes(server, first, "first while draining\n");
        Draining.AssertStillEchoes(server, second, "second while draining\n");
        Assert.NotEqual(System.Net.Sockets.SocketError.Success, Client.TryConnect(namedPort, out var refused));
        refused?.Dispose();

        // The drain deadline ends both connections (FIN), then the process exits 0.
        Assert.Equal(End.Fin, first.ReadToEnd(Short).End);
        Assert.Equal(End.Fin, second.ReadToEnd(Short).End);
        Draining.AssertExitsZero(server, Short);
        Assert.Equal(2, server.Output.Split("Drain deadline passed: ending 1 connections").Length - 1);
    }

    [Theory]
    [InlineData("actornet.servers.chat.host=127.0.0.1", "actornet.servers.chat.port=70000", "actornet.servers.chat.port: 70000 is out of range (0-65535)")]
    [InlineData("actornet.servers.chat.port=7001", "actornet.servers.chat.handler=chat", "actornet.servers.chat.host: is missing: a named server's address is its own (set host and port, path, or fd)")]
    [InlineData("actornet.servers.chat.port=7001", "actornet.servers.chat.colour=blue", "actornet.servers.chat.colour: unknown key")]
    [InlineData("actornet.servers.chat.port=7001", "actornet.servers.chat.max-connections=lots", "actornet.servers.chat.max-connections: \"lots\" is not a whole number")]
    public void A_config_error_in_a_named_server_exits_2_naming_the_server_and_its_key(string setting, string other, string expected)
    {
        using var server = ServerProcess.Start(setting, other);
        Assert.Equal(2, server.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Contains("config error: " + expected, server.Output);
    }

    [Fact]
    public void A_second_server_on_the_same_port_exits_1_and_its_listen_error_names_it()
    {
        var port = ServerProcess.FreePort();
        using var server = ServerProcess.StartWithConfig(ServerConfig.Default, port, output, Named("twin", port));
        Assert.Equal(1, server.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Contains($"Server twin (actornet.servers.twin) could not listen: listen EADDRINUSE: address already in use 127.0.0.1:{port}", server.Output);
        Assert.Contains("Exiting with code 1", server.Output);
    }

    private static void AssertTurnedAway(int port)
    {
        using var client = Client.Connect(port);
        client.Send("must not come back\n");
        var outcome = client.ReadToEnd(Short);
        Assert.True(outcome.End is End.Fin or End.Reset, $"a connection beyond max-connections should be closed at once, got {outcome}");
        Assert.Empty(outcome.Data);
    }

    /// <summary>Polls <c>/status</c> until <paramref name="predicate"/> holds (at most 5 s).</summary>
    private static JsonElement WaitForStatus(int port, Func<JsonElement, bool> predicate)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = Short };
        var start = Stopwatch.GetTimestamp();
        while (true)
        {
            var last = http.GetStringAsync("/status").GetAwaiter().GetResult();
            var status = JsonDocument.Parse(last).RootElement.Clone();
            if (predicate(status)) return status;
            if (Wait.Since(start) > Short) throw new XunitException($"/status not as expected within {Short.TotalSeconds:F0} s; last: {last}");
            Thread.Sleep(20); // poll interval of a bounded loop
        }
    }
}
