using System.Globalization;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorNet.Options;

/// <summary>
/// One section of the user's configuration (e.g. <c>actornet.server</c>) layered over <see cref="ReferenceConfig"/>,
/// with typed reads whose errors name the key. Its known keys are the ones reference.conf has under the section, so
/// the readers keep no list of their own; it records which keys were read, for the test that reference.conf and
/// each reader agree.
/// </summary>
internal sealed class ConfigSection
{
    private readonly Config _config;
    private readonly HashSet<string> _keysRead = [];

    /// <summary>Layers <paramref name="config"/> over the reference and rejects keys the reference does not have.</summary>
    /// <exception cref="ConfigException">An unknown key, or an object where a value belongs (or the reverse).</exception>
    public ConfigSection(Config config, string path)
    {
        ArgumentNullException.ThrowIfNull(config);
        Path = path;
        _config = config.WithFallback(ReferenceConfig.Config);
        var section = _config.GetValue(path);
        if (section is null || !section.IsObject()) throw new ConfigException(path, "must be an object");
        RejectUnknownKeys(section, ReferenceConfig.Config.GetValue(path), path);
    }

    /// <summary>The section's full HOCON path.</summary>
    public string Path { get; }

    /// <summary>The keys read so far, relative to <see cref="Path"/> (e.g. <c>keep-alive.idle</c>).</summary>
    public IReadOnlyCollection<string> KeysRead => _keysRead;

    /// <summary>Every key reference.conf has under <paramref name="path"/>, relative to it, in the file's order.</summary>
    public static IReadOnlyList<string> ReferenceKeys(string path)
    {
        var keys = new List<string>();
        AddLeaves(ReferenceConfig.Config.GetValue(path), "", keys);
        return keys;
    }

    public ConfigException Error(string key, string problem) => new($"{Path}.{key}", problem);

    public string Text(string key)
    {
        _keysRead.Add(key);
        var value = _config.GetValue($"{Path}.{key}");
        if (value is null) throw Error(key, "is missing");
        if (value.IsObject() || value.IsArray()) throw Error(key, "must be a string");
        return value.GetString() ?? "";
    }

    /// <summary>The value trimmed and lower-cased: names and switches are read case-insensitively.</summary>
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

    /// <summary>A boolean as every ActorNet key takes it: on/off, true/false or yes/no.</summary>
    public bool Flag(string key) => Word(key) switch
    {
        "on" or "true" or "yes" => true,
        "off" or "false" or "no" => false,
        var other => throw Error(key, $"\"{other}\" is not a boolean (on/off, true/false, yes/no)"),
    };

    public TimeSpan Duration(string key, TimeSpan max)
    {
        var text = Text(key).Trim();
        if (!TryParseDuration(text, out var span))
            throw Error(key, $"\"{text}\" is not a duration (e.g. 0s, 500ms, 7s, 2m)");
        if (span < TimeSpan.Zero || span > max)
            throw Error(key, $"{text} is out of range (0s-{((long)max.TotalSeconds).ToString(CultureInfo.InvariantCulture)}s)");
        return span;
    }

    /// <summary>A HOCON size (e.g. 512k, 32m, 1g; a bare number is bytes), or null when it is not one.</summary>
    public long? ByteSize(string key)
    {
        Text(key);
        try
        {
            return _config.GetByteSize($"{Path}.{key}");
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            return null;
        }
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

    // The reference's shape is the schema: its keys are the known ones, its objects must stay objects and its values values.
    private static void RejectUnknownKeys(HoconValue value, HoconValue reference, string path)
    {
        var known = reference.GetObject().Items;
        foreach (var (key, child) in value.GetObject().Items)
        {
            var childPath = $"{path}.{key}";
            if (!known.TryGetValue(key, out var referenceChild))
                throw new ConfigException(childPath, $"unknown key (known keys: {string.Join(", ", known.Keys)})");
            if (referenceChild.IsObject())
            {
                if (!child.IsObject())
                    throw new ConfigException(childPath, $"must be an object {{ {string.Join(", ", referenceChild.GetObject().Items.Keys)} }}");
                RejectUnknownKeys(child, referenceChild, childPath);
            }
            else if (child.IsObject())
                throw new ConfigException(childPath, "must be a single value, not an object");
        }
    }

    private static void AddLeaves(HoconValue value, string prefix, List<string> keys)
    {
        foreach (var (key, child) in value.GetObject().Items)
        {
            if (child.IsObject()) AddLeaves(child, $"{prefix}{key}.", keys);
            else keys.Add(prefix + key);
        }
    }
}
