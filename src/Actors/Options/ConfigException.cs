namespace ActorNet.Options;

/// <summary>
/// One or more configuration values that are missing, mistyped, out of range or unknown; <see cref="Exception.Message"/>
/// names the key, one line per error.
/// </summary>
public sealed class ConfigException : Exception
{
    /// <summary>Creates the error for <paramref name="key"/> (full HOCON path).</summary>
    public ConfigException(string key, string problem) : base($"{key}: {problem}")
    {
        Key = key;
        Errors = [this];
    }

    /// <summary>Creates one exception for several errors, each a line of <see cref="Exception.Message"/>, the first first.</summary>
    /// <exception cref="ArgumentException"><paramref name="errors"/> is empty.</exception>
    public ConfigException(IReadOnlyList<ConfigException> errors)
        : base(string.Join("\n", (errors ?? throw new ArgumentNullException(nameof(errors))).SelectMany(e => e.Errors).Select(e => e.Message)))
    {
        if (errors.Count == 0) throw new ArgumentException("no errors", nameof(errors));
        Errors = errors.SelectMany(e => e.Errors).ToList();
        Key = Errors[0].Key;
    }

    /// <summary>The full HOCON path of the (first) culprit, e.g. <c>actornet.server.port</c>.</summary>
    public string Key { get; }

    /// <summary>Every error, each naming its key: this one alone unless it was made from several.</summary>
    public IReadOnlyList<ConfigException> Errors { get; }
}
