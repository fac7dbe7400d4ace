namespace ActorNet.Options;

/// <summary>A configuration value that is missing, mistyped, out of range or unknown; <see cref="Exception.Message"/> names the key.</summary>
public sealed class ConfigException : Exception
{
    /// <summary>Creates the error for <paramref name="key"/> (full HOCON path).</summary>
    public ConfigException(string key, string problem) : base($"{key}: {problem}")
    {
        Key = key;
    }

    /// <summary>The full HOCON path of the culprit, e.g. <c>actornet.server.port</c>.</summary>
    public string Key { get; }
}
