using Akka.Configuration;

namespace ActorNet.Options;

/// <summary>Reads and validates <see cref="MetricsOptions"/> from HOCON, once, at the edge.</summary>
public static class MetricsOptionsReader
{
    /// <summary>The HOCON section the options live in.</summary>
    public const string Section = "actornet.metrics";

    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);

    /// <summary>
    /// Reads <c>actornet.metrics</c> from <paramref name="config"/> layered over <see cref="ReferenceConfig"/>; a key
    /// reference.conf does not have under the section is unknown.
    /// </summary>
    /// <param name="config">The user's configuration (may be empty).</param>
    /// <exception cref="ConfigException">
    /// Values are mistyped, out of range or unknown: one line per error, each naming its key (<see cref="ConfigException.Errors"/>).
    /// </exception>
    public static MetricsOptions Read(Config config)
    {
        var section = new ConfigSection(config, Section);
        var options = ReadSection(section);
        section.ThrowIfErrors();
        return options;
    }

    internal static MetricsOptions ReadSection(ConfigSection r)
    {
        var text = r.Text("otlp.endpoint").Trim();
        Uri? endpoint = null;
        if (text.Length > 0)
        {
            endpoint = Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0
                ? uri
                : r.Fail<Uri?>("otlp.endpoint", $"\"{text}\" is not an http:// or https:// URL (e.g. \"http://127.0.0.1:4317\"; \"\" = off)", null);
        }
        var word = r.Word("otlp.protocol");
        var protocol = word switch
        {
            "grpc" => OtlpProtocol.Grpc,
            "http/protobuf" => OtlpProtocol.HttpProtobuf,
            _ => r.Fail("otlp.protocol", $"\"{word}\" is not an OTLP protocol (grpc, http/protobuf)", OtlpProtocol.Grpc),
        };
        var interval = r.Duration("otlp.interval", MaxInterval);
        if (interval < MinInterval && !r.Failed("otlp.interval"))
            interval = r.Fail("otlp.interval", $"{r.Text("otlp.interval").Trim()} is too short (100ms-1h)", TimeSpan.FromSeconds(60));
        return new MetricsOptions { OtlpEndpoint = endpoint, OtlpProtocol = protocol, OtlpInterval = interval };
    }
}
