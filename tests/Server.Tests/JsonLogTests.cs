using System.Net;
using System.Text.Json;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>actornet.host.log-format = json: every line on stdout is one compact JSON event (CLEF) with its values as properties.</summary>
public sealed class JsonLogTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(5);

    private static readonly string[] Levels = ["Verbose", "Debug", "Information", "Warning", "Error", "Fatal"];

    /// <summary>Every non-empty line of <paramref name="stdout"/> parsed, each checked to be a CLEF event.</summary>
    private static List<JsonElement> Events(string stdout)
    {
        var events = new List<JsonElement>();
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')))
        {
            JsonElement e;
            try
            {
                e = JsonDocument.Parse(line).RootElement.Clone();
            }
            catch (JsonException error)
            {
                throw new Xunit.Sdk.XunitException($"not a JSON line ({error.Message}): {line}\n--- stdout:\n{stdout}");
            }
            Assert.True(e.ValueKind == JsonValueKind.Object, line);
            Assert.True(e.TryGetProperty("@t", out var t) && DateTimeOffset.TryParse(t.GetString(), out _), $"no @t: {line}");
            Assert.True(e.TryGetProperty("@mt", out _) || e.TryGetProperty("@m", out _), $"no @mt or @m: {line}");
            // CLEF leaves @l out for Information.
            if (e.TryGetProperty("@l", out var level)) Assert.Contains(level.GetString(), Levels);
            events.Add(e);
        }
        return events;
    }

    private static string Template(JsonElement e) => e.TryGetProperty("@mt", out var mt) ? mt.GetString()! : e.GetProperty("@m").GetString()!;

    private static string? Property(JsonElement e, string name) => e.TryGetProperty(name, out var p) ? p.ToString() : null;

    [Fact]
    public void Every_stdout_line_is_a_JSON_event_and_listening_and_each_connection_carry_their_endpoints_as_properties()
    {
        using var server = ServerProcess.StartReady(ServerConfig.Default, output, null, "actornet.host.log-format=json", "akka.loglevel=DEBUG");
        using (var client = Client.Connect(server.Port))
        {
            client.AssertEchoes("json\n", Short);
            var remote = $"127.0.0.1:{client.LocalPort}";
            Assert.True(server.WaitForOutput($"\"RemoteEndPoint\":\"{remote}\"", Short), $"no event names {remote}:\n{server.Output}");
        }
        server.Signal(ServerProcess.SIGTERM);
        Assert.Equal(0, server.WaitForExit(Short));

        var events = Events(server.StandardOutput);
        var listening = Assert.Single(events, e => Template(e).StartsWith("Listening on", StringComparison.Ordinal));
        Assert.Equal($"127.0.0.1:{server.Port}", Property(listening, "EndPoint"));
        Assert.Equal("echo", Property(listening, "Handler"));
        Assert.False(string.IsNullOrEmpty(Property(listening, "Transport")), listening.ToString());
        Assert.False(listening.TryGetProperty("@l", out _), "Listening is an Information event");

        var opened = events.Where(e => Template(e).StartsWith("Connection {ConnectionId} open from", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(opened);
        Assert.All(opened, e => Assert.Equal("Debug", Property(e, "@l")));
        Assert.All(opened, e => Assert.True(IPEndPoint.TryParse(Property(e, "RemoteEndPoint")!, out _), e.ToString()));
        // Logged while the actor system shuts down, it may reach Akka's minimal logger after the Serilog one stopped:
        // then the text is its Message property under the template "{Message:l}".
        Assert.Contains(events, e => (Template(e) == "Server closed: every connection drained" || Property(e, "Message") == "Server closed: every connection drained")
            && !e.TryGetProperty("@l", out _));
        Assert.Contains(events, e => Template(e) == "Exiting with code {ExitCode}" && Property(e, "ExitCode") == "0");
    }

    [Fact]
    public void A_listen_error_is_an_Error_event_with_Node_s_code_as_a_property_and_the_exit_code_stays_1()
    {
        using var first = ServerProcess.StartReady(ServerConfig.Default, output);
        using var second = ServerProcess.StartWithConfig(ServerConfig.Default, first.Port, output, "actornet.host.log-format=json");
        Assert.Equal(1, second.WaitForExit(TimeSpan.FromSeconds(30)));

        var error = Assert.Single(Events(second.StandardOutput), e => Template(e) == "Server error: {Error}");
        Assert.Equal("Error", Property(error, "@l"));
        Assert.Equal("EADDRINUSE", Property(error, "Code"));
        Assert.Equal("listen", Property(error, "Syscall"));
        Assert.Equal(first.Port.ToString(), Property(error, "Port"));
        Assert.Equal($"listen EADDRINUSE: address already in use 127.0.0.1:{first.Port}", Property(error, "Error"));
    }

    [Fact]
    public void An_unknown_log_format_exits_2_naming_the_key()
    {
        using var server = ServerProcess.Start("actornet.host.log-format=yaml");
        Assert.Equal(2, server.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Contains("config error: actornet.host.log-format: \"yaml\" is not one of text, json", server.Output);
    }
}
