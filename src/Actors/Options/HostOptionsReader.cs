using Akka.Configuration;

namespace ActorNet.Options;

/// <summary>Reads and validates <see cref="HostOptions"/> from HOCON, once, at the edge.</summary>
public static class HostOptionsReader
{
    /// <summary>The HOCON section the options live in.</summary>
    public const string Section = "actornet.host";

    /// <summary>
    /// Reads <c>actornet.host</c> from <paramref name="config"/> layered over <see cref="ReferenceConfig"/>; a key
    /// reference.conf does not have under the section is unknown.
    /// </summary>
    /// <param name="config">The user's configuration (may be empty).</param>
    /// <exception cref="ConfigException">
    /// Values are mistyped, out of range or unknown: one line per error, each naming its key (<see cref="ConfigException.Errors"/>).
    /// </exception>
    public static HostOptions Read(Config config)
    {
        var section = new ConfigSection(config, Section);
        var options = ReadSection(section);
        section.ThrowIfErrors();
        return options;
    }

    internal static HostOptions ReadSection(ConfigSection r) => new()
    {
        InlineSocketCompletions = r.Flag("inline-socket-completions"),
        IdleMemoryTrimBytes = OffOrSize(r, "idle-memory-trim"),
        LogFormat = r.Word("log-format") switch
        {
            "text" => LogFormat.Text,
            "json" => LogFormat.Json,
            var other => r.Fail("log-format", $"\"{other}\" is not one of text, json", LogFormat.Text),
        },
    };

    private static long OffOrSize(ConfigSection r, string key)
    {
        var text = r.Word(key);
        if (text is "off" or "false" or "no" || r.Failed(key)) return 0;
        return r.ByteSize(key) is long bytes and > 0
            ? bytes
            : r.Fail(key, $"\"{text}\" is neither off nor a size above zero (e.g. 32m)", 0L);
    }
}
