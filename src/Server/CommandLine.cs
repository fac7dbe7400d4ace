using System.Text;
using ActorNet.Options;
using Akka.Configuration;

namespace ActorNet.Server;

/// <summary>The executable's arguments: <c>--help</c>, <c>--version</c>, <c>--config PATH</c>, then <c>key=value</c> overrides.</summary>
internal sealed record CommandLine(bool Help, string? ConfigPath, IReadOnlyList<KeyValuePair<string, string>> Overrides, bool Version = false)
{
    public const string Usage = """
        usage: actornet [--config PATH] [key=value ...]
               actornet [--config PATH] [key=value ...] --help
               actornet --version
        (actornet: the ActorNet.Server .NET tool's command; from a build, dotnet ActorNet.Server.dll)

        Serves TCP connections with the handler named in actornet.server.handler.
        Configuration is layered: key=value arguments over --config PATH over the shipped
        hocon/server.conf (beside the executable) over the library's reference.conf. Every key
        under actornet must be one reference.conf has; a file may include others (include
        "other.conf", relative to it) and read the environment (port = ${?ACTORNET_PORT} leaves
        the key as it was when the variable is not set; ${VAR} requires it). Durations need a
        unit (30s, 500ms).

          --config PATH   a HOCON file layered over the shipped defaults
          key=value       one override with a full key, e.g. actornet.server.port=7001
                          actornet.server.handler=discard akka.loglevel=DEBUG
          --help, -h      this text, then every actornet key with the value this run would use
          --version       the version

        SIGINT/SIGTERM drain: stop accepting, wait for live connections up to drain-timeout,
        then end and reset what is left, exit 0. A second signal force-closes at once.
        """;

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> naming the bad argument.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var help = false;
        var version = false;
        string? configPath = null;
        var overrides = new List<KeyValuePair<string, string>>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h") help = true;
            else if (arg == "--version") version = true;
            else if (arg == "--config")
            {
                if (i + 1 >= args.Count) throw new ArgumentException("--config needs a file path");
                configPath = args[++i];
            }
            else if (arg.StartsWith("--config=", StringComparison.Ordinal)) configPath = arg["--config=".Length..];
            else if (arg.IndexOf('=') is > 0 and var eq && !arg.StartsWith('-'))
                overrides.Add(new(arg[..eq].Trim(), arg[(eq + 1)..]));
            else throw new ArgumentException($"unknown argument \"{arg}\" (expected --config PATH or key=value; see --help)");
        }
        return new CommandLine(help, configPath, overrides, version);
    }

    /// <summary>
    /// Override keys that cannot be meant as written: under <c>actornet</c>, anything but a key reference.conf has (or
    /// one inside <see cref="ReferenceConfig.FreeFormSections"/>); a bare word such as <c>port</c>; and, elsewhere, a
    /// near miss of an ActorNet key (<c>server.port</c>). Other keys (<c>akka.loglevel</c>) are the ActorSystem's.
    /// </summary>
    public IReadOnlyList<ConfigException> KeyErrors()
    {
        var errors = new List<ConfigException>();
        foreach (var (key, _) in Overrides)
        {
            if (key == ReferenceConfig.Root || key.StartsWith(ReferenceConfig.Root + ".", StringComparison.Ordinal))
            {
                if (ReferenceConfig.IsKnownKey(key)) continue;
                errors.Add(ReferenceConfig.KnownPaths.Contains(key)
                    ? new ConfigException(key, $"is a section, not a key (e.g. {ReferenceConfig.KnownPaths.First(p => p.StartsWith(key + ".", StringComparison.Ordinal) && ReferenceConfig.IsKnownKey(p))})")
                    : new ConfigException(key, $"unknown key{ReferenceConfig.DidYouMean(key)}"));
            }
            else if (!key.Contains('.'))
                errors.Add(new ConfigException(key, ReferenceConfig.Suggest(key) is { } suggestion
                    ? $"not a full key; did you mean {suggestion}?"
                    : "not a full key (keys are full paths such as actornet.server.port or akka.loglevel)"));
            else if (!key.StartsWith("akka.", StringComparison.Ordinal) && ReferenceConfig.Suggest(key) is { } nearMiss)
                errors.Add(new ConfigException(key, ReferenceConfig.KnownPaths.Any(p => p.EndsWith("." + key, StringComparison.Ordinal))
                    ? $"not a full key; did you mean {nearMiss}?"
                    : $"not a known key; did you mean {nearMiss}?"));
        }
        return errors;
    }

    /// <summary>The overrides as one HOCON config; every value is taken as a string (the options reader types it).</summary>
    public Config OverridesConfig()
    {
        var text = new StringBuilder();
        foreach (var (key, value) in Overrides)
        {
            if (key.Length == 0 || key.Any(c => !(char.IsLetterOrDigit(c) || c is '.' or '-' or '_')))
                throw new ArgumentException($"bad key in override \"{key}={value}\"");
            text.Append(key).Append(" = \"").Append(value.Replace("\\", "\\\\").Replace("\"", "\\\"")).Append("\"\n");
        }
        return ConfigurationFactory.ParseString(text.ToString());
    }
}
