using Akka.Configuration;

namespace ActorNet.Options;

/// <summary>Reads and validates <see cref="StatusOptions"/> from HOCON, once, at the edge.</summary>
public static class StatusOptionsReader
{
    /// <summary>The HOCON section the options live in.</summary>
    public const string Section = "actornet.status";

    /// <summary>
    /// Reads <c>actornet.status</c> from <paramref name="config"/> layered over <see cref="ReferenceConfig"/>; a key
    /// reference.conf does not have under the section is unknown.
    /// </summary>
    /// <param name="config">The user's configuration (may be empty).</param>
    /// <exception cref="ConfigException">
    /// Values are mistyped, out of range or unknown: one line per error, each naming its key (<see cref="ConfigException.Errors"/>).
    /// </exception>
    public static StatusOptions Read(Config config)
    {
        var section = new ConfigSection(config, Section);
        var options = ReadSection(section);
        section.ThrowIfErrors();
        return options;
    }

    internal static StatusOptions ReadSection(ConfigSection r)
    {
        var host = r.Text("host").Trim();
        if (host.Length == 0) host = r.Fail("host", "must not be empty (e.g. \"127.0.0.1\")", "127.0.0.1");
        return new StatusOptions
        {
            Host = host,
            Port = (int)r.Integer("port", 0, 65535),
        };
    }
}
