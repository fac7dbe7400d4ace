using System.Globalization;
using System.Reflection;
using ActorNet.Handlers;
using ActorNet.Server;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorNet.Options;

/// <summary>Reads and validates <see cref="ServerOptions"/> from HOCON, once, at the edge.</summary>
public static class ServerOptionsReader
{
    /// <summary>The HOCON section the options live in.</summary>
    public const string Section = "actornet.server";

    private static readonly string[] TopKeys =
    [
        "host", "port", "path", "backlog", "handler", "transport", "reuse-port", "allow-half-open", "pause-on-connect",
        "max-connections", "idle-timeout", "keep-alive", "no-delay", "drain-timeout", "drain-grace", "close-timeout",
        "write-high-water-mark", "max-write-queue",
    ];

    private static readonly string[] KeepAliveKeys = ["enabled", "idle", "interval", "probes", "user-timeout"];

    /// <summary>The library's <c>reference.conf</c>: every key with its default.</summary>
    public static Config Reference { get; } = LoadReference();

    /// <summary>
    /// Reads <c>actornet.server</c> from <paramref name="config"/> layered over <see cref="Reference"/>.
    /// </summary>
    /// <param name="config">The user's configuration (may be empty).</param>
    /// <param name="handlers">The handlers <c>handler</c> may name; defaults to <see cref="HandlerRegistry.BuiltIn"/>.</param>
    /// <exception cref="ConfigException">A value is mistyped, out of range or unknown; the message names the key.</exception>
    public static ServerOptions Read(Config config, HandlerRegistry? handlers = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var full = config.WithFallback(Reference);
        RejectUnknownKeys(full);
        var r = new Reader(full);
        handlers ??= HandlerRegistry.BuiltIn;

        var handler = r.Word("handler");
        if (handlers.Find(handler) is null)
            throw r.Error("handler", $"unknown handler \"{handler}\" (expected one of: {string.Join(", ", handlers.Names)})");
        if (!TransportRegistry.TryResolve(r.Word("transport"), out var transport, out var transportProblem))
            throw r.Error("transport", transportProblem);

        var host = r.Text("host");
        if (host.Length == 0) throw r.Error("host", "must not be empty (use \"::\" for any address)");
        var path = r.Text("path");

        var hwm = (int)r.Integer("write-high-water-mark", 1, 1L << 30);
        var maxQueue = r.Integer("max-write-queue", 1, long.MaxValue);
        if (maxQueue < hwm)
            throw r.Error("max-write-queue", $"{maxQueue} is below write-high-water-mark ({hwm})");

        return new ServerOptions
        {
            Host = host,
            Port = (int)r.Integer("port", 0, 65535),
            Path = path.Length == 0 ? null : path,
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
        };
    }

    private static void RejectUnknownKeys(Config full)
    {
        var section = full.GetValue(Section);
        if (section is null || !section.IsObject())
            throw new ConfigException(Section, "must be an object");
        foreach (var (key, value) in section.GetObject().Items)
        {
            if (!TopKeys.Contains(key))
                throw new ConfigException($"{Section}.{key}", $"unknown key (known keys: {string.Join(", ", TopKeys)})");
            if (key == "keep-alive")
            {
                if (!value.IsObject())
                    throw new ConfigException($"{Section}.keep-alive", "must be an object { enabled, idle, interval, probes, user-timeout }");
                foreach (var inner in value.GetObject().Items.Keys)
                    if (!KeepAliveKeys.Contains(inner))
                        throw new ConfigException($"{Section}.keep-alive.{inner}",
                            $"unknown key (known keys: {string.Join(", ", KeepAliveKeys)})");
            }
            else if (value.IsObject())
                throw new ConfigException($"{Section}.{key}", "must be a single value, not an object");
        }
    }

    private static Config LoadReference()
    {
        using var stream = typeof(ServerOptionsReader).Assembly.GetManifestResourceStream("ActorNet.reference.conf")
            ?? throw new InvalidOperationException("ActorNet.reference.conf is not embedded in ActorNet.Actors");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }

    /// <summary>
    /// A boolean as every ActorNet key takes it: on/off, true/false or yes/no; anything else is a
    /// <see cref="ConfigException"/> naming <paramref name="key"/> (a full HOCON path).
    /// </summary>
    public static bool ParseFlag(string key, string text) => text.Trim().ToLowerInvariant() switch
    {
        "on" or "true" or "yes" => true,
        "off" or "false" or "no" => false,
        _ => throw new ConfigException(key, $"\"{text.Trim()}\" is not a boolean (on/off, true/false, yes/no)"),
    };

    /// <summary>Typed access to one section with error messages that name the key.</summary>
    private sealed class Reader(Config config)
    {
        public ConfigException Error(string key, string problem) => new($"{Section}.{key}", problem);

        public string Text(string key)
        {
            var value = config.GetValue($"{Section}.{key}");
            if (value is null) throw Error(key, "is missing");
            if (value.IsObject() || value.IsArray()) throw Error(key, "must be a string");
            return value.GetString() ?? "";
        }

        public string Word(string key) => Text(key).Trim().ToLowerInvariant();

        public long Integer(string key, long min, long max)
        {
            var text = Text(key).Trim();
            if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
                throw Error(key, $"\"{text}\" is not a whole number");
            if (n < min || n > max)
                throw Error(key, $"{n} is out of range ({min}-{(max == long.MaxValue ? "" : max.ToString(CultureInfo.InvariantCulture))})");
            return n;
        }

        public bool Flag(string key) => ParseFlag($"{Section}.{key}", Word(key));

        public TimeSpan Duration(string key, TimeSpan max)
        {
            var text = Text(key).Trim();
            if (!TryParseDuration(text, out var span))
                throw Error(key, $"\"{text}\" is not a duration (e.g. 0s, 500ms, 7s, 2m)");
            if (span < TimeSpan.Zero || span > max)
                throw Error(key, $"{text} is out of range (0s-{FormatSeconds(max)})");
            return span;
        }

        private static string FormatSeconds(TimeSpan max) =>
            ((long)max.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";
    }

    /// <summary>HOCON durations: a number and a unit (ns, us, ms, s, m, h, d and long forms); a bare number is milliseconds.</summary>
    internal static bool TryParseDuration(string text, out TimeSpan span)
    {
        span = default;
        var i = 0;
        while (i < text.Length && (char.IsDigit(text[i]) || text[i] is '.' or '-' or '+')) i++;
        if (i == 0 || !double.TryParse(text.AsSpan(0, i), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            return false;
        double? ms = text[i..].Trim() switch
        {
            "" or "ms" or "milli" or "millis" or "millisecond" or "milliseconds" => number,
            "ns" or "nano" or "nanos" or "nanosecond" or "nanoseconds" => number / 1e6,
            "us" or "micro" or "micros" or "microsecond" or "microseconds" => number / 1e3,
            "s" or "second" or "seconds" => number * 1e3,
            "m" or "minute" or "minutes" => number * 60e3,
            "h" or "hour" or "hours" => number * 3600e3,
            "d" or "day" or "days" => number * 86400e3,
            _ => null,
        };
        if (ms is null || double.IsNaN(ms.Value) || Math.Abs(ms.Value) > TimeSpan.MaxValue.TotalMilliseconds / 2) return false;
        span = TimeSpan.FromTicks((long)(ms.Value * TimeSpan.TicksPerMillisecond));
        return true;
    }
}
