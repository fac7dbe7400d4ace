using System.Globalization;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorNet.Options;

/// <summary>
/// One section of the user's configuration (e.g. <c>actornet.server</c>) layered over <see cref="ReferenceConfig"/>,
/// with typed reads whose errors name the key. Its known keys are the ones reference.conf has under the section, so
/// the readers keep no list of their own; it records which keys were read, for the test that reference.conf and
/// each reader agree. Errors are recorded rather than thrown, so one read reports all of them
/// (<see cref="ThrowIfErrors"/>).
/// </summary>
internal sealed class ConfigSection
{
    private readonly Config _config;
    private readonly string _referencePath;
    private readonly string? _inheritFrom;
    private readonly IReadOnlySet<string> _notInherited;
    private readonly HashSet<string> _keysRead = [];
    private readonly List<ConfigException> _errors = [];
    private readonly HashSet<string> _failed = [];

    /// <summary>
    /// Layers <paramref name="config"/> over the reference; keys the reference does not have, and objects where values
    /// belong (or the reverse), are recorded as errors like every bad value read later.
    /// </summary>
    /// <exception cref="ConfigException">The section itself is not an object.</exception>
    public ConfigSection(Config config, string path) : this(config, path, path, inheritFrom: null, notInherited: new HashSet<string>())
    {
    }

    /// <summary>
    /// A section shaped like <paramref name="referencePath"/> but found at <paramref name="path"/> (a named server: its
    /// keys are those of <c>actornet.server</c>). A key it does not set is read from the user's
    /// <paramref name="inheritFrom"/> section, as HOCON's <c>withFallback</c> would, except <paramref name="notInherited"/>,
    /// which fall back to reference.conf alone.
    /// </summary>
    /// <exception cref="ConfigException">The section itself is not an object.</exception>
    public ConfigSection(Config config, string path, string referencePath, string? inheritFrom, IReadOnlySet<string> notInherited)
    {
        ArgumentNullException.ThrowIfNull(config);
        Path = path;
        _referencePath = referencePath;
        _inheritFrom = inheritFrom;
        _notInherited = notInherited;
        _config = config.WithFallback(ReferenceConfig.Config);
        var section = _config.GetValue(path);
        if (section is null || !section.IsObject()) throw new ConfigException(path, "must be an object");
        var shape = new List<ConfigException>();
        ReferenceConfig.CheckShape(section, ReferenceConfig.Config.GetValue(referencePath), path, shape);
        foreach (var error in shape)
        {
            _errors.Add(error);
            _failed.Add(error.Key[(path.Length + 1)..]);
        }
    }

    /// <summary>The section's full HOCON path.</summary>
    public string Path { get; }

    /// <summary>The keys read so far, relative to <see cref="Path"/> (e.g. <c>keep-alive.idle</c>).</summary>
    public IReadOnlyCollection<string> KeysRead => _keysRead;

    /// <summary>Every error recorded so far, in the order found.</summary>
    public IReadOnlyList<ConfigException> Errors => _errors;

    /// <summary>Every key reference.conf has under <paramref name="path"/>, relative to it, in the file's order.</summary>
    public static IReadOnlyList<string> ReferenceKeys(string path)
    {
        var keys = new List<string>();
        AddLeaves(ReferenceConfig.Config.GetValue(path), "", keys);
        return keys;
    }

    /// <summary>Whether an error was recorded for <paramref name="key"/> or for the object it lies in.</summary>
    public bool Failed(string key) =>
        _failed.Contains(key) || _failed.Any(f => key.StartsWith(f + ".", StringComparison.Ordinal));

    /// <summary>Throws one <see cref="ConfigException"/> carrying every recorded error, if there is any.</summary>
    public void ThrowIfErrors()
    {
        if (_errors.Count > 0) throw new ConfigException(_errors);
    }

    public ConfigException Error(string key, string problem) => new($"{Path}.{key}", problem);

    /// <summary>Records an error for <paramref name="key"/> and returns <paramref name="fallback"/>, so reading goes on to find the next.</summary>
    public T Fail<T>(string key, string problem, T fallback)
    {
        _errors.Add(Error(key, problem));
        _failed.Add(key);
        return fallback;
    }

    public string Text(string key)
    {
        _keysRead.Add(key);
        if (Failed(key)) return ReferenceText(key);
        var (source, full) = Resolve(key);
        var value = source.GetValue(full);
        if (value is null) return Fail(key, "is missing", ReferenceText(key));
        if (value.IsObject() || value.IsArray()) return Fail(key, "must be a string", ReferenceText(key));
        return value.GetString() ?? "";
    }

    /// <summary>The value trimmed and lower-cased: names and switches are read case-insensitively.</summary>
    public string Word(string key) => Text(key).Trim().ToLowerInvariant();

    public long Integer(string key, long min, long max)
    {
        var text = Text(key).Trim();
        var fallback = Reference(key, t => long.Parse(t, CultureInfo.InvariantCulture));
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            return Fail(key, $"\"{text}\" is not a whole number", fallback);
        if (n < min || n > max)
            return Fail(key, $"{n} is out of range ({min}-{(max == long.MaxValue ? "" : max.ToString(CultureInfo.InvariantCulture))})", fallback);
        return n;
    }

    /// <summary>A boolean as every ActorNet key takes it: on/off, true/false or yes/no.</summary>
    public bool Flag(string key)
    {
        var word = Word(key);
        return ParseFlag(word) ?? Fail(key, $"\"{word}\" is not a boolean (on/off, true/false, yes/no)",
            Reference(key, t => ParseFlag(t.Trim().ToLowerInvariant()) ?? false));
    }

    public TimeSpan Duration(string key, TimeSpan max)
    {
        var text = Text(key).Trim();
        var fallback = Reference(key, t => TryParseDuration(t.Trim(), out var d) == DurationParse.Ok ? d : TimeSpan.Zero);
        switch (TryParseDuration(text, out var span))
        {
            case DurationParse.NoUnit:
                return Fail(key, $"\"{text}\" has no unit (e.g. {text}s or {text}ms)", fallback);
            case DurationParse.Invalid:
                return Fail(key, $"\"{text}\" is not a duration (e.g. 0s, 500ms, 7s, 2m)", fallback);
        }
        if (span < TimeSpan.Zero || span > max)
            return Fail(key, $"{text} is out of range (0s-{Format(max)})", fallback);
        return span;
    }

    // A range's end as a HOCON duration: whole seconds, or milliseconds under a second.
    private static string Format(TimeSpan max) => max < TimeSpan.FromSeconds(1)
        ? $"{((long)max.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)}ms"
        : $"{((long)max.TotalSeconds).ToString(CultureInfo.InvariantCulture)}s";

    /// <summary>A HOCON size (e.g. 512k, 32m, 1g; a bare number is bytes), or null when it is not one.</summary>
    public long? ByteSize(string key)
    {
        Text(key);
        if (Failed(key)) return null;
        try
        {
            var (source, full) = Resolve(key);
            return source.GetByteSize(full);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>How <see cref="TryParseDuration"/> went.</summary>
    internal enum DurationParse { Ok, NoUnit, Invalid }

    /// <summary>
    /// HOCON durations: a number and a unit (ns, us, ms, s, m, h, d and long forms). A bare number is refused
    /// (<see cref="DurationParse.NoUnit"/>): HOCON takes it as milliseconds, which misled users who meant seconds.
    /// </summary>
    internal static DurationParse TryParseDuration(string text, out TimeSpan span)
    {
        span = default;
        var i = 0;
        while (i < text.Length && (char.IsDigit(text[i]) || text[i] is '.' or '-' or '+')) i++;
        if (i == 0 || !double.TryParse(text.AsSpan(0, i), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            return DurationParse.Invalid;
        var unit = text[i..].Trim();
        if (unit.Length == 0) return DurationParse.NoUnit;
        double? ms = unit switch
        {
            "ms" or "milli" or "millis" or "millisecond" or "milliseconds" => number,
            "ns" or "nano" or "nanos" or "nanosecond" or "nanoseconds" => number / 1e6,
            "us" or "micro" or "micros" or "microsecond" or "microseconds" => number / 1e3,
            "s" or "second" or "seconds" => number * 1e3,
            "m" or "minute" or "minutes" => number * 60e3,
            "h" or "hour" or "hours" => number * 3600e3,
            "d" or "day" or "days" => number * 86400e3,
            _ => null,
        };
        if (ms is null || double.IsNaN(ms.Value) || Math.Abs(ms.Value) > TimeSpan.MaxValue.TotalMilliseconds / 2)
            return DurationParse.Invalid;
        span = TimeSpan.FromTicks((long)(ms.Value * TimeSpan.TicksPerMillisecond));
        return DurationParse.Ok;
    }

    private static bool? ParseFlag(string word) => word switch
    {
        "on" or "true" or "yes" => true,
        "off" or "false" or "no" => false,
        _ => null,
    };

    private static string ReferenceTextOf(string path) => ReferenceConfig.Config.GetValue(path)?.GetString() ?? "";

    private string ReferenceText(string key) => ReferenceTextOf($"{_referencePath}.{key}");

    /// <summary>Whether the section itself sets <paramref name="key"/> (not inherited, not a default).</summary>
    public bool IsSet(string key) => _config.GetValue($"{Path}.{key}") is not null;

    // Where the value of key is read: the section's own, else the inherited section's (which falls back to
    // reference.conf through _config), else reference.conf's alone.
    private (Config Source, string Path) Resolve(string key)
    {
        if (_inheritFrom is null || IsSet(key)) return (_config, $"{Path}.{key}");
        return _notInherited.Contains(key.Split('.')[0])
            ? (ReferenceConfig.Config, $"{_referencePath}.{key}")
            : (_config, $"{_inheritFrom}.{key}");
    }

    // After an error the reader goes on with reference.conf's value, which is valid, so one bad key does not
    // cause follow-up errors in the checks that combine keys.
    private T Reference<T>(string key, Func<string, T> parse) => parse(ReferenceText(key));

    private static void AddLeaves(HoconValue value, string prefix, List<string> keys)
    {
        foreach (var (key, child) in value.GetObject().Items)
        {
            if (child.IsObject()) AddLeaves(child, $"{prefix}{key}.", keys);
            else keys.Add(prefix + key);
        }
    }
}
