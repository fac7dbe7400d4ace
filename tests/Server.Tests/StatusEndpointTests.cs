using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ActorNet.Tests;

/// <summary>The executable's HTTP status endpoint (<c>actornet.status</c>), over real HTTP on loopback.</summary>
public sealed class StatusEndpointTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ExitWithin = TimeSpan.FromSeconds(30);

    [Fact]
    public void The_endpoint_is_off_by_default_and_ASP_NET_is_not_even_loaded()
    {
        using var server = ServerProcess.StartReady(ServerConfig.Default, output);
        // "Status endpoint on" would be logged before the server listens, so it would be in the output by now.
        Assert.True(server.WaitForOutput("Listening on", Short), $"no listening line; output:\n{server.Output}");
        Assert.DoesNotContain("Status endpoint", server.Output);
        Assert.Empty(AspNetAssembliesOf(server.Pid));
    }

    [Fact]
    public async Task Healthz_and_readyz_answer_200_once_the_server_listens_and_other_paths_404()
    {
        var statusPort = FreeStatusPort();
        using var server = ServerProcess.StartReady(ServerConfig.Default, output, null, $"actornet.status.port={statusPort}");
        using var http = Http(statusPort);

        // The line comes before the server listens, but the output is read on another thread: wait for it.
        Assert.True(server.WaitForOutput($"Status endpoint on http://127.0.0.1:{statusPort}", Short), $"no status endpoint line; output:\n{server.Output}");
        Assert.NotEmpty(AspNetAssembliesOf(server.Pid)); // the check of the test above finds them when they are there
        var healthz = await http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/nothing-here")).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.PostAsync("/status", null)).StatusCode);
        Assert.Equal(new Version(1, 1), healthz.Version);
    }

    [Fact]
    public async Task Status_reports_listening_and_the_live_connection_count_as_json()
    {
        var statusPort = FreeStatusPort();
        using var server = ServerProcess.StartReady(ServerConfig.Default, output, null, $"actornet.status.port={statusPort}");
        using var http = Http(statusPort);

        // The readiness probe was an ordinary connection: its slot is released shortly after its FIN.
        // The socket accepts a moment before the executable hears back from its server and marks itself listening.
        var status = await WaitForStatus(http, s => Live(s) == 0 && s.GetProperty("listening").GetBoolean(),
            "listening, and live = 0 after the readiness probe closed");
        using (var response = await http.GetAsync("/status"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.True(status.GetProperty("listening").GetBoolean());
        Assert.False(status.GetProperty("draining").GetBoolean());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("cluster").ValueKind);

        using var first = Client.Connect(server.Port);
        using var second = Client.Connect(server.Port);
        first.AssertEchoes("one\n", Short);
        second.AssertEchoes("two\n", Short);
        status = await WaitForStatus(http, s => Live(s) == 2, "live = 2 with two clients connected");
        Assert.True(status.GetProperty("listening").GetBoolean());
        Assert.False(status.GetProperty("draining").GetBoolean());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("cluster").ValueKind);

        second.ShutdownSend();
        Assert.Equal(End.Fin, second.ReadToEnd(Short).End);
        await WaitForStatus(http, s => Live(s) == 1, "live = 1 after one client closed");
    }

    [Theory]
    [InlineData(ServerProcess.SIGTERM)]
    [InlineData(ServerProcess.SIGINT)]
    public async Task From_the_signal_on_readyz_answers_503_and_status_says_draining_while_a_client_is_still_connected(int signal)
    {
        var statusPort = FreeStatusPort();
        using var server = ServerProcess.StartReady(ServerConfig.Default.DrainTimeout("30s"), output, null, $"actornet.status.port={statusPort}");
        using var http = Http(statusPort);
        using var client = Client.Connect(server.Port);
        client.AssertEchoes("before\n", Short);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);

        var signalled = Stopwatch.GetTimestamp();
        server.Signal(signal);
        await WaitFor(async () => (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(2),
            "/readyz did not answer 503 after the signal", server);
        output.WriteLine($"/readyz answered 503 {Wait.Since(signalled).TotalMilliseconds:F0} ms after the signal");

        // The drain goes on (the client is still served) and the endpoint keeps answering throughout.
        var status = await WaitForStatus(http, s => !s.GetProperty("listening").GetBoolean(), "listening = false during the drain");
        Assert.True(status.GetProperty("draining").GetBoolean());
        Assert.Equal(1, Live(status));
        Draining.AssertStillEchoes(server, client, "during the drain\n");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.False(server.HasExited, "the server must not exit while a connection is open");

        client.ShutdownSend();
        Assert.Equal(End.Fin, client.ReadToEnd(Short).End);
        client.Dispose();
        Draining.AssertExitsZero(server, TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData("actornet.status.port=70000", "actornet.status.port: 70000 is out of range (0-65535)")]
    [InlineData("actornet.status.port=-1", "actornet.status.port: -1 is out of range (0-65535)")]
    [InlineData("actornet.status.port=web", "actornet.status.port: \"web\" is not a whole number")]
    [InlineData("actornet.status.host=", "actornet.status.host: must not be empty")]
    [InlineData("actornet.status.prot=9100", "actornet.status.prot: unknown key; did you mean actornet.status.port?")]
    public void A_bad_status_setting_exits_2_naming_the_key(string setting, string expected)
    {
        using var server = ServerProcess.Start(setting);
        Assert.Equal(2, server.WaitForExit(ExitWithin));
        Assert.Contains("config error: " + expected, server.Output);
    }

    [Fact]
    public void A_bad_status_setting_in_the_config_file_exits_2_naming_the_key()
    {
        var path = Path.Combine(Path.GetTempPath(), $"actornet-test-{Guid.NewGuid():N}.conf");
        File.WriteAllText(path, "actornet.status {\n  host = \"\"\n  port = 70000\n}\n");
        try
        {
            using var server = ServerProcess.Start("--config", path);
            Assert.Equal(2, server.WaitForExit(ExitWithin));
            Assert.Contains("config error: actornet.status.host: must not be empty", server.Output);
            Assert.Contains("config error: actornet.status.port: 70000 is out of range (0-65535)", server.Output);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_status_port_already_in_use_exits_1_before_the_server_listens()
    {
        var occupier = new TcpListener(IPAddress.Loopback, 0);
        occupier.Start();
        try
        {
            var statusPort = ((IPEndPoint)occupier.LocalEndpoint).Port;
            using var server = ServerProcess.StartWithConfig(ServerConfig.Default, ServerProcess.FreePort(), output,
                $"actornet.status.port={statusPort}");
            Assert.Equal(1, server.WaitForExit(ExitWithin));
            var text = server.Output;
            Assert.Contains($"Status endpoint error on 127.0.0.1:{statusPort}", text);
            Assert.Contains("address already in use", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("Listening on", text);
        }
        finally
        {
            occupier.Stop();
        }
    }

    [Fact]
    public void Help_lists_the_status_keys_with_the_value_this_run_would_use()
    {
        using var server = ServerProcess.Start("--help", "actornet.status.port=9100");
        Assert.Equal(0, server.WaitForExit(ExitWithin));
        var text = server.Output;
        Assert.Matches(@"(?m)^actornet\.status \{$", text);
        Assert.Matches(@"(?m)^\s*host = ""127\.0\.0\.1""$", text);
        Assert.Matches(@"(?m)^\s*port = 9100  # default: 0$", text);
    }

    /// <summary>A port that was free a moment ago (a listener on 127.0.0.1:0, stopped): the race is accepted in tests.</summary>
    private static int FreeStatusPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static HttpClient Http(int port) => new() { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = Short };

    private static int Live(JsonElement status) => status.GetProperty("live").GetInt32();

    /// <summary>Polls <c>/status</c> until <paramref name="predicate"/> holds (at most 5 s); returns that status.</summary>
    private static async Task<JsonElement> WaitForStatus(HttpClient http, Func<JsonElement, bool> predicate, string what)
    {
        var start = Stopwatch.GetTimestamp();
        string last;
        while (true)
        {
            last = await http.GetStringAsync("/status");
            var status = JsonDocument.Parse(last).RootElement.Clone();
            if (predicate(status)) return status;
            if (Wait.Since(start) > Short) throw new XunitException($"{what}: not within {Short.TotalSeconds:F0} s; last /status: {last}");
            await Task.Delay(20); // poll interval of a bounded loop
        }
    }

    private static async Task WaitFor(Func<Task<bool>> condition, TimeSpan timeout, string what, ServerProcess server)
    {
        var start = Stopwatch.GetTimestamp();
        while (!await condition())
        {
            if (Wait.Since(start) > timeout) throw new XunitException($"{what} within {timeout.TotalSeconds:F0} s; output:\n{server.Output}");
            await Task.Delay(20); // poll interval of a bounded loop
        }
    }

    /// <summary>The ASP.NET Core assemblies mapped into process <paramref name="pid"/>, from /proc/PID/maps.</summary>
    private static IReadOnlyList<string> AspNetAssembliesOf(int pid) =>
        Regex.Matches(File.ReadAllText($"/proc/{pid}/maps"), @"[^/\s]*Microsoft\.AspNetCore[^/\s]*\.dll")
            .Select(m => m.Value).Distinct().ToList();
}
