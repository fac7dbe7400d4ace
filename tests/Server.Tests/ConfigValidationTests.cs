using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>
/// Configuration that cannot silently mislead: typos anywhere under actornet, bare or misspelt command-line keys,
/// malformed HOCON (reported with line and column, never a hang), includes, environment substitution, every error
/// at once, durations without a unit, and --help showing the values the executable really uses.
/// </summary>
public sealed class ConfigValidationTests(ITestOutputHelper output) : IDisposable
{
    // A parse that hangs fails here (WaitForExit throws, the process is killed), it does not hang the run.
    private static readonly TimeSpan ExitWithin = TimeSpan.FromSeconds(30);

    private readonly string _dir = Directory.CreateTempSubdirectory("actornet-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private (int Code, string Output) Run(params string[] args) => Run(null, args);

    private (int Code, string Output) Run(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        using var server = ServerProcess.Start(args, openFilesLimit: null, environment);
        var code = server.WaitForExit(ExitWithin);
        output.WriteLine(server.Output);
        return (code, server.Output);
    }

    [Theory]
    [InlineData("actornet.sever { port = 7101 }", "config error: actornet.sever: unknown key (known keys: server, servers, host, status, metrics, socket-dispatcher, socket-mailbox); did you mean actornet.server?")]
    [InlineData("actornet.host.idle-memory-trm = 32m", "config error: actornet.host.idle-memory-trm: unknown key (known keys: inline-socket-completions, idle-memory-trim, log-format); did you mean actornet.host.idle-memory-trim?")]
    [InlineData("actornet.port = 7101", "config error: actornet.port: unknown key")]
    [InlineData("actornet.socket-dispatcher = fast", "config error: actornet.socket-dispatcher: must be an object")]
    public void A_typo_anywhere_under_actornet_in_a_file_exits_2_naming_the_key(string setting, string expected)
    {
        var (code, text) = Run("--config", Write("typo.conf", setting + "\n"));
        Assert.Equal(2, code);
        Assert.Contains(expected, text);
    }

    [Theory]
    [InlineData("port=7101", "config error: port: not a full key; did you mean actornet.server.port or actornet.status.port?")]
    [InlineData("server.port=7101", "config error: server.port: not a full key; did you mean actornet.server.port?")]
    [InlineData("actornet.host.idle-memory-trm=32m", "config error: actornet.host.idle-memory-trm: unknown key; did you mean actornet.host.idle-memory-trim?")]
    [InlineData("actornet.server.prot=7101", "config error: actornet.server.prot: unknown key; did you mean actornet.server.port?")]
    [InlineData("sever.port=7101", "config error: sever.port: not a known key; did you mean actornet.server.port?")]
    [InlineData("actornet.server.keep-alive=on", "config error: actornet.server.keep-alive: is a section, not a key (e.g. actornet.server.keep-alive.enabled)")]
    public void A_command_line_key_that_is_not_a_full_known_key_exits_2_suggesting_the_right_one(string argument, string expected)
    {
        var (code, text) = Run(argument);
        Assert.Equal(2, code);
        Assert.Contains(expected, text);
    }

    [Fact]
    public void Keys_outside_actornet_and_the_socket_dispatcher_stay_allowed_on_the_command_line()
    {
        var (code, text) = Run("akka.loglevel=DEBUG", "actornet.socket-dispatcher.throughput=32", "--help");
        Assert.Equal(0, code);
        Assert.Contains("akka.loglevel = DEBUG", text);
        Assert.Contains("throughput = 32", text);
    }

    [Fact]
    public void The_socket_dispatcher_and_mailbox_may_be_set_in_a_file()
    {
        var (code, _) = Run("--config", Write("dispatcher.conf", """
            actornet.socket-dispatcher { type = Dispatcher, throughput = 16 }
            actornet.socket-mailbox { mailbox-type = "Akka.Dispatch.UnboundedMailbox" }
            """), "--help");
        Assert.Equal(0, code);
    }

    [Theory]
    [InlineData("actornet.server {\n  idle-timeout = [1,\n}\n", "bad.conf:2:18: '[' is never closed")]
    [InlineData("actornet.server.idle-timeout = [1,", "bad.conf:1:32: '[' is never closed")]
    [InlineData("actornet.server {\n  host = \"127.0.0.1\n  port = 7000\n}\n", "bad.conf:2:10: unterminated string")]
    [InlineData("actornet.server {\n  port = 7000\n", "bad.conf:1:17: '{' is never closed")]
    [InlineData("actornet.server {\n  port = 7000\n}\n}\n", "bad.conf:4:1: unexpected '}' (nothing to close)")]
    [InlineData("actornet.server {\n  port = = 7101\n}\n", "bad.conf:2:10: unexpected '=': a value is missing")]
    [InlineData("actornet.server {\n  port =\n}\n", "bad.conf:2:3: '=' without a value")]
    [InlineData("actornet.server.port = ${ACTORNET_TEST_UNSET", "bad.conf:1:24: unterminated substitution")]
    public void Malformed_hocon_exits_2_at_once_naming_the_line_and_column(string hocon, string expected)
    {
        var (code, text) = Run("--config", Write("bad.conf", hocon));
        Assert.Equal(2, code);
        Assert.Contains(expected, text);
        Assert.StartsWith("config error: ", text);
    }

    [Fact]
    public void Every_error_of_a_file_is_reported_one_line_each()
    {
        var (code, text) = Run("--config", Write("many.conf", """
            actornet.server {
              port = 70000
              idle-timeout = 30
              handler = chargen
              colour = blue
            }
            actornet.host.idle-memory-trm = 32m
            """));
        Assert.Equal(2, code);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("config error: actornet.server.port: 70000 is out of range (0-65535)", lines);
        Assert.Contains("config error: actornet.server.idle-timeout: \"30\" has no unit (e.g. 30s or 30ms)", lines);
        Assert.Contains(lines, l => l.StartsWith("config error: actornet.server.handler: unknown handler \"chargen\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("config error: actornet.server.colour: unknown key", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("config error: actornet.host.idle-memory-trm: unknown key", StringComparison.Ordinal));
        Assert.Equal(5, lines.Length);
    }

    [Fact]
    public void Every_syntax_error_of_a_file_is_reported()
    {
        var (code, text) = Run("--config", Write("bad.conf", "actornet.server {\n  port = = 1\n  host = \"x\n  backlog = 5\n"));
        Assert.Equal(2, code);
        Assert.Contains("bad.conf:2:10: unexpected '='", text);
        Assert.Contains("bad.conf:3:10: unterminated string", text);
        Assert.Contains("bad.conf:1:17: '{' is never closed", text);
    }

    [Fact]
    public void A_duration_without_a_unit_asks_for_one()
    {
        var (code, text) = Run("actornet.server.drain-timeout=30");
        Assert.Equal(2, code);
        Assert.Contains("config error: actornet.server.drain-timeout: \"30\" has no unit (e.g. 30s or 30ms)", text);
    }

    [Fact]
    public void An_include_is_read_relative_to_the_including_file_and_nests()
    {
        Write("conf.d/ports.conf", "include \"more/handler.conf\"\nactornet.server.port = 7123\n");
        Write("conf.d/more/handler.conf", "actornet.server.handler = discard\n");
        var main = Write("main.conf", "include \"conf.d/ports.conf\"\nactornet.server.backlog = 77\n");
        var (code, text) = Run("--config", main, "--help");
        Assert.Equal(0, code);
        Assert.Matches(@"(?m)^\s*port = 7123\b", text);
        Assert.Matches(@"(?m)^\s*handler = discard\b", text);
        Assert.Matches(@"(?m)^\s*backlog = 77\b", text);
    }

    [Fact]
    public void A_missing_include_exits_2_naming_it()
    {
        var main = Write("main.conf", "actornet.server.port = 7123\ninclude \"nope.conf\"\n");
        var (code, text) = Run("--config", main);
        Assert.Equal(2, code);
        Assert.Contains($"config error: {main}:2:1: include \"nope.conf\": file not found ({Path.Combine(_dir, "nope.conf")})", text);
    }

    [Fact]
    public void An_optional_environment_substitution_sets_the_key_when_the_variable_is_set()
    {
        var port = ServerProcess.FreePort();
        var config = Write("env.conf", "actornet.server {\n  port = ${?ACTORNET_TEST_PORT}\n  host = \"127.0.0.1\"\n}\n");
        using var server = ServerProcess.StartReadyWithEnvironment(
            new Dictionary<string, string?> { ["ACTORNET_TEST_PORT"] = port.ToString() }, port, "--config", config);
        using var client = Client.Connect(server.Port);
        client.AssertEchoes("from the environment\n", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void An_optional_environment_substitution_leaves_the_key_unset_when_the_variable_is_missing()
    {
        var config = Write("env.conf", "actornet.server {\n  port = ${?ACTORNET_TEST_PORT}\n}\n");
        var (code, text) = Run(new Dictionary<string, string?> { ["ACTORNET_TEST_PORT"] = null }, "--config", config, "--help");
        Assert.Equal(0, code);
        // The shipped hocon/server.conf's port shows through.
        Assert.Matches(@"(?m)^\s*port = 7000\b", text);
    }

    [Fact]
    public void A_required_environment_substitution_that_is_missing_exits_2_naming_it()
    {
        var config = Write("env.conf", "actornet.server {\n  port = ${ACTORNET_TEST_PORT}\n}\n");
        var (code, text) = Run(new Dictionary<string, string?> { ["ACTORNET_TEST_PORT"] = null }, "--config", config);
        Assert.Equal(2, code);
        Assert.Contains($"config error: {config}:2:10: ${{ACTORNET_TEST_PORT}} is not set", text);
    }

    [Fact]
    public void A_required_environment_substitution_that_is_set_is_used()
    {
        var config = Write("env.conf", "actornet.server {\n  port = ${ACTORNET_TEST_PORT}\n}\n");
        var (code, text) = Run(new Dictionary<string, string?> { ["ACTORNET_TEST_PORT"] = "7321" }, "--config", config, "--help");
        Assert.Equal(0, code);
        Assert.Matches(@"(?m)^\s*port = 7321\b", text);
    }

    [Fact]
    public void Help_prints_the_values_the_executable_really_uses()
    {
        var (code, text) = Run("--help");
        Assert.Equal(0, code);
        Assert.Matches(@"(?m)^\s*host = ""127\.0\.0\.1""", text);
        Assert.Matches(@"(?m)^\s*port = 7000\b", text);
        Assert.Matches(@"(?m)^\s*transport = auto\b", text);
        Assert.Matches(@"(?m)^\s*inline-socket-completions = on\b", text);
        Assert.Matches(@"(?m)^\s*idle-memory-trim = 32m\b", text);
        Assert.Matches(@"(?m)^akka\.loglevel = INFO\b", text);
        // reference.conf's comments stay.
        Assert.Contains("# 0..65535; 0 picks a free port", text);
    }

    [Fact]
    public void Help_shows_overrides_from_the_command_line()
    {
        var (code, text) = Run("actornet.server.port=7555", "--help");
        Assert.Equal(0, code);
        Assert.Matches(@"(?m)^\s*port = 7555\b", text);
    }

    [Fact]
    public void Version_prints_the_informational_version()
    {
        var (code, text) = Run("--version");
        Assert.Equal(0, code);
        Assert.Matches(@"^ActorNet\.Server \d+\.\d+\.\d+", text);
    }
}
