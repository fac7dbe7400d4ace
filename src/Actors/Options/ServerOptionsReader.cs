using ActorNet.Handlers;
using ActorNet.Server;
using Akka.Configuration;

namespace ActorNet.Options;

/// <summary>Reads and validates <see cref="ServerOptions"/> from HOCON, once, at the edge.</summary>
public static class ServerOptionsReader
{
    /// <summary>The HOCON section the options live in.</summary>
    public const string Section = "actornet.server";

    /// <summary>The HOCON section of the named servers, each shaped like <see cref="Section"/>: <c>actornet.servers.NAME</c>.</summary>
    public const string NamedSection = "actornet.servers";

    /// <summary>The name <see cref="Section"/>'s server goes by beside the named ones (e.g. in the status endpoint).</summary>
    public const string DefaultName = "default";

    // A named server's address is its own: inheriting actornet.server's would make two servers bind one port.
    private static readonly IReadOnlySet<string> AddressKeys = new HashSet<string> { "host", "port", "path", "fd" };

    /// <summary>The library's <c>reference.conf</c>: every key with its default (<see cref="ReferenceConfig.Config"/>).</summary>
    public static Config Reference => ReferenceConfig.Config;

    /// <summary>
    /// Reads <c>actornet.server</c> from <paramref name="config"/> layered over <see cref="Reference"/>; a key
    /// reference.conf does not have under the section is unknown.
    /// </summary>
    /// <param name="config">The user's configuration (may be empty).</param>
    /// <param name="handlers">The handlers <c>handler</c> may name; defaults to <see cref="HandlerRegistry.BuiltIn"/>.</param>
    /// <exception cref="ConfigException">
    /// Values are mistyped, out of range or unknown: one line per error, each naming its key (<see cref="ConfigException.Errors"/>).
    /// </exception>
    public static ServerOptions Read(Config config, HandlerRegistry? handlers = null)
    {
        var section = new ConfigSection(config, Section);
        var options = ReadSection(section, handlers ?? HandlerRegistry.BuiltIn);
        section.ThrowIfErrors();
        return options;
    }

    /// <summary>
    /// Reads every server under <c>actornet.servers</c>, in the order written. A key a named server does not set is
    /// <c>actornet.server</c>'s (HOCON's <c>withFallback</c>), except host, port and path: host and port (or path) must
    /// be set. Errors name the server's key, e.g. <c>actornet.servers.chat.port</c>; an error in a value inherited
    /// from <c>actornet.server</c> is left to <see cref="Read"/>, which names that key.
    /// </summary>
    /// <param name="config">The user's configuration (may be empty: then there is no named server).</param>
    /// <param name="handlers">The handlers <c>handler</c> may name; defaults to <see cref="HandlerRegistry.BuiltIn"/>.</param>
    /// <exception cref="ConfigException">One line per error, each naming its key (<see cref="ConfigException.Errors"/>).</exception>
    public static IReadOnlyList<KeyValuePair<string, ServerOptions>> ReadNamed(Config config, HandlerRegistry? handlers = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var servers = new List<KeyValuePair<string, ServerOptions>>();
        var errors = new List<ConfigException>();
        var value = config.GetValue(NamedSection);
        if (value is null) return servers;
        if (!value.IsObject()) throw new ConfigException(NamedSection, "must be an object { NAME { host, port, ... } }");
        foreach (var name in value.GetObject().Items.Keys)
        {
            if (!ReferenceConfig.IsServerName(name))
            {
                errors.Add(new ConfigException($"{NamedSection}.{name}", "a server's name is letters, digits, '-' and '_', starting with a letter or digit"));
                continue;
            }
            try
            {
                servers.Add(new(name, ReadNamed(config, name, handlers)));
            }
            catch (ConfigException e)
            {
                errors.AddRange(e.Errors);
            }
        }
        if (errors.Count > 0) throw new ConfigException(errors);
        return servers;
    }

    /// <summary>Reads the one server <c>actornet.servers.<paramref name="name"/></c>, as <see cref="ReadNamed(Config, HandlerRegistry?)"/> does.</summary>
    /// <exception cref="ConfigException">One line per error, each naming its key.</exception>
    public static ServerOptions ReadNamed(Config config, string name, HandlerRegistry? handlers = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var path = $"{NamedSection}.{name}";
        if (name == DefaultName) throw new ConfigException(path, $"\"{name}\" is actornet.server's name (in /status); choose another");
        var section = new ConfigSection(config, path, Section, inheritFrom: Section, notInherited: AddressKeys);
        var options = ReadSection(section, handlers ?? HandlerRegistry.BuiltIn);
        // The inherited section's own errors are reported once, under its own keys, by Read.
        var errors = section.Errors.Where(e => section.IsSet(e.Key[(path.Length + 1)..])).ToList();
        if (options.Path is null && options.ListenDescriptor is null)
            foreach (var key in new[] { "host", "port" }.Where(k => !section.IsSet(k)))
                errors.Add(section.Error(key, "is missing: a named server's address is its own (set host and port, path, or fd)"));
        if (errors.Count > 0) throw new ConfigException(errors);
        return options;
    }

    internal static ServerOptions ReadSection(ConfigSection r, HandlerRegistry handlers)
    {
        var handler = r.Word("handler");
        if (handlers.Find(handler) is null)
            handler = r.Fail("handler", $"unknown handler \"{handler}\" (expected one of: {string.Join(", ", handlers.Names)})", handler);
        if (!TransportRegistry.TryResolve(r.Word("transport"), out var transport, out var transportProblem))
            transport = r.Fail("transport", transportProblem, TransportRegistry.Sockets);

        var host = r.Text("host");
        if (host.Length == 0) host = r.Fail("host", "must not be empty (use \"::\" for any address)", "::");
        var path = r.Text("path");
        var descriptor = ListenDescriptor(r);
        if (descriptor is not null && path.Length > 0 && !r.Failed("fd"))
            r.Fail("fd", "cannot be used together with path (an inherited socket is already bound)", 0);

        var hwm = (int)r.Integer("write-high-water-mark", 1, 1L << 30);
        var maxQueue = r.Integer("max-write-queue", 1, long.MaxValue);
        if (maxQueue < hwm && !r.Failed("write-high-water-mark") && !r.Failed("max-write-queue"))
            r.Fail("max-write-queue", $"{maxQueue} is below write-high-water-mark ({hwm})", maxQueue);

        var proxy = r.Word("proxy-protocol") switch
        {
            "off" or "false" or "no" => ProxyProtocolMode.Off,
            "on" or "true" or "yes" => ProxyProtocolMode.On,
            "optional" => ProxyProtocolMode.Optional,
            var other => r.Fail("proxy-protocol", $"\"{other}\" is not one of off, on, optional", ProxyProtocolMode.Off),
        };
        var proxyTimeout = r.Duration("proxy-header-timeout", TimeSpan.FromDays(1));
        if (proxyTimeout <= TimeSpan.Zero && !r.Failed("proxy-header-timeout"))
            proxyTimeout = r.Fail("proxy-header-timeout", "must be above 0s", TimeSpan.FromSeconds(5));

        var busyPoll = r.Duration("busy-poll", ServerOptions.MaxBusyPoll);

        return new ServerOptions
        {
            Host = host,
            Port = (int)r.Integer("port", 0, 65535),
            Path = path.Length == 0 ? null : path,
            ListenDescriptor = descriptor,
            Backlog = (int)r.Integer("backlog", 1, 65535),
            Handler = handler,
            Transport = transport,
            ReusePort = r.Flag("reuse-port"),
            AllowHalfOpen = r.Flag("allow-half-open"),
            PauseOnConnect = r.Flag("pause-on-connect"),
            MaxConnections = (int)r.Integer("max-connections", 0, int.MaxValue),
            IdleTimeout = r.Duration("idle-timeout", TimeSpan.FromDays(24)),
            KeepAlive = new KeepAliveOptions(
                r.Flag("keep-alive.enabled"),
                r.Duration("keep-alive.idle", TimeSpan.FromSeconds(32767.999)),
                r.Duration("keep-alive.interval", TimeSpan.FromSeconds(32767.999)),
                (int)r.Integer("keep-alive.probes", 0, 127),
                r.Duration("keep-alive.user-timeout", TimeSpan.FromMilliseconds(int.MaxValue))),
            NoDelay = r.Flag("no-delay"),
            DrainTimeout = r.Duration("drain-timeout", TimeSpan.FromDays(24)),
            DrainGrace = r.Duration("drain-grace", TimeSpan.FromMinutes(10)),
            CloseTimeout = r.Duration("close-timeout", TimeSpan.FromDays(24)),
            WriteHighWaterMark = hwm,
            MaxWriteQueue = maxQueue,
            ProxyProtocol = proxy,
            ProxyHeaderTimeout = proxyTimeout,
            BusyPoll = busyPoll,
            Tls = TlsOptionsReader.ReadServer(r),
        };
    }

    // systemd passes its sockets from descriptor 3 on (SD_LISTEN_FDS_START), for the process LISTEN_PID names.
    private const int SystemdFirstDescriptor = 3;

    private static int? ListenDescriptor(ConfigSection r)
    {
        var text = r.Word("fd");
        if (text.Length == 0) return null;
        if (text == "systemd")
        {
            var pid = Environment.GetEnvironmentVariable("LISTEN_PID");
            var count = Environment.GetEnvironmentVariable("LISTEN_FDS");
            if (pid != Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) || !int.TryParse(count, out var n) || n < 1)
                return r.Fail<int?>("fd", $"\"systemd\", but systemd passed no socket to this process (LISTEN_PID={pid ?? "unset"}, " +
                    $"LISTEN_FDS={count ?? "unset"}, this process {Environment.ProcessId})", null);
            return SystemdFirstDescriptor;
        }
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var fd))
            return r.Fail<int?>("fd", $"\"{text}\" is not a descriptor number or \"systemd\"", null);
        if (fd < 3)
            return r.Fail<int?>("fd", $"{fd} is standard input, output or error, not an inherited socket", null);
        return fd;
    }
}
