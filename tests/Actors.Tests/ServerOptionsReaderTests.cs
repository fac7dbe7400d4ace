using Akka.Configuration;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Transport.Sockets;
using Xunit;

namespace ActorNet.Tests;

public sealed class ServerOptionsReaderTests
{
    private static ServerOptions Read(string hocon) => ServerOptionsReader.Read(ConfigurationFactory.ParseString(hocon));

    [Fact]
    public void Fd_is_off_by_default_and_a_number_from_3_on_is_taken()
    {
        Assert.Null(Read("").ListenDescriptor);
        Assert.Equal(7, Read("actornet.server.fd = 7").ListenDescriptor);
        Assert.Equal(3, Read("actornet.server.fd = \"3\"").ListenDescriptor);
    }

    [Fact]
    public void Fd_systemd_is_refused_naming_the_key_when_systemd_passed_this_process_nothing()
    {
        // The test runner is not socket-activated, and LISTEN_PID never names this process.
        var error = Assert.Throws<ConfigException>(() => Read("actornet.server.fd = systemd"));
        Assert.StartsWith("actornet.server.fd: \"systemd\", but systemd passed no socket to this process (LISTEN_PID=", error.Message);
        Assert.Contains($"this process {Environment.ProcessId}", error.Message);
    }

    [Fact]
    public void Every_key_has_a_default_in_reference_conf()
    {
        var options = ServerOptionsReader.Read(Config.Empty);
        Assert.Equal(new ServerOptions(), options);
    }

    [Theory]
    [InlineData("sockets")]
    [InlineData("akka-io")]
    [InlineData("in-memory")]
    public void Transport_is_read_as_written(string transport) =>
        Assert.Equal(transport, Read($"actornet.server.transport = {transport}").Transport);

    [Fact]
    public void Transport_auto_is_epoll_where_this_machine_has_it_and_sockets_elsewhere() =>
        Assert.Equal(SocketsTransport.EpollSupported ? "epoll" : "sockets", Read("actornet.server.transport = auto").Transport);

    [Fact]
    public void Transport_epoll_is_taken_where_this_machine_has_it_and_refused_naming_the_key_elsewhere()
    {
        if (SocketsTransport.EpollSupported)
        {
            Assert.Equal("epoll", Read("actornet.server.transport = epoll").Transport);
            return;
        }
        var e = Assert.Throws<ConfigException>(() => Read("actornet.server.transport = epoll"));
        Assert.StartsWith("actornet.server.transport: epoll needs Linux on x64 or arm64", e.Message);
    }

    [Fact]
    public void The_contract_config_block_reads_as_written()
    {
        var options = Read("""
            actornet.server {
              host = "127.0.0.1"
              port = 23456
              backlog = 511
              handler = tally
              allow-half-open = on
              pause-on-connect = off
              max-connections = 3
              idle-timeout = 500ms
              keep-alive { enabled = on, idle = 7s }
              no-delay = on
              drain-timeout = 30s
            }
            """);
        Assert.Equal("127.0.0.1", options.Host);
        Assert.Equal(23456, options.Port);
        Assert.Equal("tally", options.Handler);
        Assert.True(options.AllowHalfOpen);
        Assert.Equal(3, options.MaxConnections);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.IdleTimeout);
        Assert.True(options.KeepAlive.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(7), options.KeepAlive.Idle);
        Assert.True(options.NoDelay);
        Assert.Equal(TimeSpan.FromSeconds(30), options.DrainTimeout);
    }

    [Theory]
    [InlineData("port = 70000", "actornet.server.port: 70000 is out of range (0-65535)")]
    [InlineData("port = -1", "actornet.server.port: -1 is out of range (0-65535)")]
    [InlineData("port = abc", "actornet.server.port: \"abc\" is not a whole number")]
    [InlineData("backlog = -5", "actornet.server.backlog: -5 is out of range (1-65535)")]
    [InlineData("backlog = 0", "actornet.server.backlog: 0 is out of range (1-65535)")]
    [InlineData("handler = chat", "actornet.server.handler: unknown handler \"chat\" (expected one of: echo, discard, tally)")]
    [InlineData("transport = carrier-pigeon", "actornet.server.transport: unknown transport \"carrier-pigeon\"")]
    [InlineData("allow-half-open = maybe", "actornet.server.allow-half-open: \"maybe\" is not a boolean")]
    [InlineData("idle-timeout = soon", "actornet.server.idle-timeout: \"soon\" is not a duration")]
    [InlineData("idle-timeout = -1s", "actornet.server.idle-timeout: -1s is out of range")]
    [InlineData("keep-alive.idle = 32768s", "actornet.server.keep-alive.idle: 32768s is out of range (0s-32767s)")]
    [InlineData("keep-alive.interval = 40000s", "actornet.server.keep-alive.interval: 40000s is out of range (0s-32767s)")]
    [InlineData("keep-alive.probes = 128", "actornet.server.keep-alive.probes: 128 is out of range (0-127)")]
    [InlineData("max-connections = -1", "actornet.server.max-connections: -1 is out of range (0-")]
    [InlineData("hosst = x", "actornet.server.hosst: unknown key")]
    [InlineData("keep-alive.idel = 1s", "actornet.server.keep-alive.idel: unknown key")]
    [InlineData("keep-alive = on", "actornet.server.keep-alive: must be an object")]
    [InlineData("write-high-water-mark = 100, max-write-queue = 50", "actornet.server.max-write-queue: 50 is below write-high-water-mark (100)")]
    [InlineData("host = \"\"", "actornet.server.host: must not be empty")]
    [InlineData("proxy-protocol = maybe", "actornet.server.proxy-protocol: \"maybe\" is not one of off, on, optional")]
    [InlineData("proxy-protocol = v2", "actornet.server.proxy-protocol: \"v2\" is not one of off, on, optional")]
    [InlineData("proxy-header-timeout = 0s", "actornet.server.proxy-header-timeout: must be above 0s")]
    [InlineData("proxy-header-timeout = soon", "actornet.server.proxy-header-timeout: \"soon\" is not a duration")]
    [InlineData("proxy-header-timeout = 5", "actornet.server.proxy-header-timeout: \"5\" has no unit (e.g. 5s or 5ms)")]
    [InlineData("proxy-header-timeout = 2d", "actornet.server.proxy-header-timeout: 2d is out of range (0s-86400s)")]
    [InlineData("busy-poll = 2ms", "actornet.server.busy-poll: 2ms is out of range (0s-1ms)")]
    [InlineData("busy-poll = -5us", "actornet.server.busy-poll: -5us is out of range (0s-1ms)")]
    [InlineData("busy-poll = 50", "actornet.server.busy-poll: \"50\" has no unit (e.g. 50s or 50ms)")]
    [InlineData("fd = 2", "actornet.server.fd: 2 is standard input, output or error, not an inherited socket")]
    [InlineData("fd = three", "actornet.server.fd: \"three\" is not a descriptor number or \"systemd\"")]
    [InlineData("fd = -4", "actornet.server.fd: \"-4\" is not a descriptor number or \"systemd\"")]
    [InlineData("fd = 5, path = \"/tmp/x.sock\"", "actornet.server.fd: cannot be used together with path")]
    public void A_bad_value_is_rejected_with_a_message_naming_the_key(string setting, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => Read($"actornet.server {{ {setting} }}"));
        Assert.StartsWith(expected, error.Message);
    }

    [Theory]
    [InlineData("off", ProxyProtocolMode.Off)]
    [InlineData("on", ProxyProtocolMode.On)]
    [InlineData("ON", ProxyProtocolMode.On)]
    [InlineData("true", ProxyProtocolMode.On)]
    [InlineData("optional", ProxyProtocolMode.Optional)]
    public void Proxy_protocol_is_off_on_or_optional(string text, ProxyProtocolMode mode)
    {
        var options = Read($"actornet.server {{ proxy-protocol = {text}, proxy-header-timeout = 750ms }}");
        Assert.Equal(mode, options.ProxyProtocol);
        Assert.Equal(TimeSpan.FromMilliseconds(750), options.ProxyHeaderTimeout);
    }

    [Fact]
    public void Busy_poll_is_50_us_by_default_and_read_in_any_duration_unit()
    {
        Assert.Equal(TimeSpan.FromMicroseconds(50), ServerOptionsReader.Read(Config.Empty).BusyPoll);
        Assert.Equal(TimeSpan.FromMicroseconds(200), Read("actornet.server.busy-poll = 200us").BusyPoll);
        Assert.Equal(TimeSpan.FromMilliseconds(1), Read("actornet.server.busy-poll = 1ms").BusyPoll);
        Assert.Equal(TimeSpan.Zero, Read("actornet.server.busy-poll = 0s").BusyPoll);
    }

    [Fact]
    public void Proxy_protocol_is_off_with_a_5_s_header_timeout_by_default()
    {
        var options = ServerOptionsReader.Read(Config.Empty);
        Assert.Equal(ProxyProtocolMode.Off, options.ProxyProtocol);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ProxyHeaderTimeout);
    }

    [Theory]
    [InlineData("0s", 0)]
    [InlineData("500ms", 500)]
    [InlineData("7s", 7000)]
    [InlineData("2m", 120_000)]
    [InlineData("1.5s", 1500)]
    [InlineData("250ms", 250)]
    public void Durations_take_HOCON_units(string text, int milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Read($"actornet.server.idle-timeout = {text}").IdleTimeout);
    }

    [Theory]
    [InlineData("idle-timeout = 30", "actornet.server.idle-timeout: \"30\" has no unit (e.g. 30s or 30ms)")]
    [InlineData("drain-grace = 0", "actornet.server.drain-grace: \"0\" has no unit (e.g. 0s or 0ms)")]
    [InlineData("keep-alive.idle = 7", "actornet.server.keep-alive.idle: \"7\" has no unit (e.g. 7s or 7ms)")]
    public void A_duration_without_a_unit_is_rejected_asking_for_one(string setting, string expected)
    {
        // HOCON would read a bare number as milliseconds: idle-timeout = 30 meant 30 ms, not the 30 s users expected.
        var error = Assert.Throws<ConfigException>(() => Read($"actornet.server {{ {setting} }}"));
        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void Every_bad_value_of_the_section_is_reported_not_only_the_first()
    {
        var error = Assert.Throws<ConfigException>(() => Read("""
            actornet.server {
              port = 70000
              colour = blue
              keep-alive { idel = 1s, probes = 500 }
              handler = chat
              idle-timeout = soon
            }
            """));
        Assert.Equal(
        [
            "actornet.server.keep-alive.idel: unknown key",
            "actornet.server.colour: unknown key",
            "actornet.server.handler: unknown handler \"chat\"",
            "actornet.server.port: 70000 is out of range (0-65535)",
            "actornet.server.idle-timeout: \"soon\" is not a duration",
            "actornet.server.keep-alive.probes: 500 is out of range (0-127)",
        ], error.Errors.Select(e => e.Message[..Math.Min(e.Message.Length, ExpectedPrefixLength(e.Message))]));
        Assert.Equal(string.Join("\n", error.Errors.Select(e => e.Message)), error.Message);
        Assert.Equal("actornet.server.keep-alive.idel", error.Key);
    }

    // The messages above up to the parenthesis with the known keys or handlers, which other tests check.
    private static int ExpectedPrefixLength(string message) =>
        message.Contains("unknown key", StringComparison.Ordinal) ? message.IndexOf("unknown key", StringComparison.Ordinal) + "unknown key".Length
        : message.Contains("unknown handler", StringComparison.Ordinal) ? message.IndexOf(" (", StringComparison.Ordinal)
        : message.Contains("is not a duration", StringComparison.Ordinal) ? message.IndexOf(" (", StringComparison.Ordinal)
        : message.Length;

    [Fact]
    public void A_host_can_register_more_handler_names()
    {
        var options = ServerOptionsReader.Read(ConfigurationFactory.ParseString("actornet.server.handler = chat"),
            HandlerRegistry.Empty.With("chat", static () => new EchoHandler()));
        Assert.Equal("chat", options.Handler);
    }
}
