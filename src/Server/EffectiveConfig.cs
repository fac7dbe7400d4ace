using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using ActorNet.Options;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorNet.Server;

/// <summary>
/// What <c>--help</c> prints after the usage: reference.conf with its comments, each value replaced by the one this
/// run would use (shipped hocon/server.conf, --config and key=value applied), then the socket dispatcher and mailbox
/// when set, and the log level.
/// </summary>
internal static partial class EffectiveConfig
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Render(Config config, string logLevel)
    {
        var merged = config.WithFallback(ReferenceConfig.Config);
        var text = new StringBuilder();
        text.AppendLine("# The configuration this run would use: reference.conf's keys and comments, each with its effective value");
        text.AppendLine("# (\"# default: X\" marks one the shipped hocon/server.conf, --config or a key=value changed).");
        var path = new Stack<string>();
        foreach (var line in ReferenceConfig.Text.Split('\n'))
        {
            if (Section().Match(line) is { Success: true } open)
            {
                path.Push(open.Groups["key"].Value);
                text.AppendLine(line);
            }
            else if (Close().IsMatch(line))
            {
                if (path.Count > 0) path.Pop();
                text.AppendLine(line);
            }
            else if (Field().Match(line) is { Success: true } field)
            {
                var key = string.Join(".", path.Reverse().Append(field.Groups["key"].Value));
                var reference = field.Groups["value"].Value;
                var quoted = reference.StartsWith('"');
                var value = Format(merged.GetValue(key), quoted);
                text.Append(field.Groups["indent"].Value).Append(field.Groups["key"].Value).Append(" = ").Append(value);
                if (value != reference) text.Append("  # default: ").Append(reference);
                text.AppendLine();
            }
            else text.AppendLine(line);
        }
        foreach (var section in ReferenceConfig.FreeFormSections)
            if (config.GetValue(section) is { } value && value.IsObject())
                AppendObject(text, section, value, "");
        text.AppendLine().AppendLine("# Console log level (akka.loglevel): DEBUG | INFO | WARNING | ERROR | OFF.");
        text.Append("akka.loglevel = ").AppendLine(logLevel);
        return text.ToString();
    }

    private static void AppendObject(StringBuilder text, string key, HoconValue value, string indent)
    {
        text.Append(indent).Append(key).AppendLine(" {");
        foreach (var (child, childValue) in value.GetObject().Items)
        {
            if (childValue.IsObject()) AppendObject(text, child, childValue, indent + "  ");
            else text.Append(indent).Append("  ").Append(child).Append(" = ").AppendLine(Format(childValue, quoted: false));
        }
        text.Append(indent).AppendLine("}");
    }

    private static string Format(HoconValue? value, bool quoted)
    {
        if (value is null) return "\"\"";
        if (value.IsArray()) return "[" + string.Join(", ", value.GetArray().Select(v => Format(v, quoted: false))) + "]";
        var text = value.GetString() ?? "";
        return quoted || text.Length == 0 || !Bare().IsMatch(text) ? JsonSerializer.Serialize(text, Relaxed) : text;
    }

    [GeneratedRegex(@"^\s*(?<key>[A-Za-z0-9_.-]+)\s*\{\s*$")]
    private static partial Regex Section();

    [GeneratedRegex(@"^\s*\}\s*$")]
    private static partial Regex Close();

    [GeneratedRegex(@"^(?<indent>\s*)(?<key>[A-Za-z0-9_-]+)\s*=\s*(?<value>.*?)\s*$")]
    private static partial Regex Field();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]+$")]
    private static partial Regex Bare();
}
