using Akka.Configuration;

namespace ActorNet.Options;

/// <summary>
/// The library's <c>hocon/reference.conf</c>, embedded: every key ActorNet reads, documented once, with its default.
/// The readers layer the user's configuration over it, and take its keys as the only known ones.
/// </summary>
public static class ReferenceConfig
{
    private const string ResourceName = "ActorNet.reference.conf";

    /// <summary>The file as written, comments included (what <c>ActorNet.Server --help</c> prints).</summary>
    public static string Text { get; } = Load();

    /// <summary>The file parsed.</summary>
    public static Config Config { get; } = ConfigurationFactory.ParseString(Text);

    private static string Load()
    {
        using var stream = typeof(ReferenceConfig).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not embedded in ActorNet.Actors");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
