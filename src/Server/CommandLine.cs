using System.Text;
using Akka.Configuration;

namespace ActorNet.Server;

/// <summary>The executable's arguments: <c>--help</c>, <c>--config PATH</c>, then <c>key=value</c> overrides.</summary>
internal sealed record CommandLine(bool Help, string? ConfigPath, IReadOnlyList<KeyValuePair<string, string>> Overrides)
{
    public const string Usage = """
        usage: ActorNet.Server [--config PATH] [key=value ...]
               ActorNet.Server --help

        Serves TCP connections with the handler named in actornet.server.handler.
        Configuration is layered: key=value arguments over --config PATH over the shipped
        hocon/server.conf over the library's reference.conf (below: every key and its default).

          --config PATH   a HOCON file layered over the shipped defaults
          key=value       one override, e.g. actornet.server.port=7001 actornet.server.handler=discard
          --help, -h      this text

        SIGINT/SIGTERM drain: stop accepting, wait for live connections up to drain-timeout,
        then end and reset what is left, exit 0. A second signal force-closes at once.
        """;

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> naming the bad argument.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var help = false;
        string? configPath = null;
        var overrides = new List<KeyValuePair<string, string>>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h") help = true;
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
        return new CommandLine(help, configPath, overrides);
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
