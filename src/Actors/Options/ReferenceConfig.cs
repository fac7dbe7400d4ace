using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorNet.Options;

/// <summary>
/// The library's <c>hocon/reference.conf</c>, embedded: every key ActorNet reads, documented once, with its default.
/// The readers layer the user's configuration over it, and take its keys as the only known ones.
/// </summary>
public static class ReferenceConfig
{
    private const string ResourceName = "ActorNet.reference.conf";

    /// <summary>The root of every ActorNet key.</summary>
    public const string Root = "actornet";

    /// <summary>The file as written, comments included.</summary>
    public static string Text { get; } = Load();

    /// <summary>The file parsed.</summary>
    public static Config Config { get; } = ConfigurationFactory.ParseString(Text);

    /// <summary>
    /// Sections under <c>actornet</c> whose content is the user's own: Akka dispatcher and mailbox definitions
    /// (reference.conf documents them in comments), checked by Akka rather than against reference.conf.
    /// </summary>
    public static IReadOnlyList<string> FreeFormSections { get; } = ["actornet.socket-dispatcher", "actornet.socket-mailbox"];

    /// <summary>Every full path reference.conf defines, sections and keys, in the file's order, then <see cref="FreeFormSections"/>.</summary>
    public static IReadOnlyList<string> KnownPaths { get; } = ListPaths();

    /// <summary>Whether <paramref name="key"/> is a key (not a section) of reference.conf, or lies in a <see cref="FreeFormSections"/> one.</summary>
    public static bool IsKnownKey(string key)
    {
        // actornet.servers.NAME.KEY is a key of actornet.server under a name of the user's.
        if (key.StartsWith(ServerOptionsReader.NamedSection + ".", StringComparison.Ordinal)
            && key.Split('.') is { Length: > 3 } parts && IsServerName(parts[2]))
            key = $"{ServerOptionsReader.Section}.{string.Join('.', parts[3..])}";
        return FreeFormSections.Any(s => key.StartsWith(s + ".", StringComparison.Ordinal))
            || (KnownPaths.Contains(key) && Config.GetValue(key) is { } value && !value.IsObject());
    }

    /// <summary>
    /// Whether <paramref name="name"/> may name a server under <c>actornet.servers</c>: letters, digits, '-' and '_',
    /// starting with a letter or digit (it becomes an actor name and a key of <c>/status</c>).
    /// </summary>
    public static bool IsServerName(string name) =>
        name.Length > 0 && char.IsAsciiLetterOrDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>
    /// Every key of <paramref name="config"/> under <c>actornet</c> that reference.conf does not have (outside
    /// <see cref="FreeFormSections"/>), and every object where a value belongs or the reverse; empty when all is well.
    /// </summary>
    public static IReadOnlyList<ConfigException> Check(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var errors = new List<ConfigException>();
        if (config.IsEmpty) return errors;
        var root = config.Root;
        if (!root.IsObject() || !root.GetObject().Items.TryGetValue(Root, out var actornet)) return errors;
        if (!actornet.IsObject())
        {
            errors.Add(new ConfigException(Root, "must be an object"));
            return errors;
        }
        CheckShape(actornet, Config.GetValue(Root), Root, errors);
        return errors;
    }

    /// <summary>
    /// The known key <paramref name="key"/> was probably meant to be: the one it is the tail of (<c>port</c> →
    /// <c>actornet.server.port</c>), or the nearest by edit distance (a typo or two); null when none is close.
    /// </summary>
    public static string? Suggest(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0) return null;
        var tails = KnownPaths.Where(p => p.EndsWith("." + key, StringComparison.Ordinal)).ToList();
        if (tails.Count > 0) return string.Join(" or ", tails);
        // Compare with each known path and each of its dotted tails: "sever.port" is one edit from "server.port".
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var path in KnownPaths)
        {
            for (var start = 0; start >= 0; start = path.IndexOf('.', start) is var dot and >= 0 ? dot + 1 : -1)
            {
                var distance = EditDistance(key, path[start..]);
                if (distance < bestDistance)
                {
                    bestDistance = distance;
                    best = path;
                }
            }
        }
        var allowed = Math.Max(1, Math.Min(3, key.Length / 4));
        return bestDistance <= allowed ? best : null;
    }

    /// <summary>"; did you mean X?" for <paramref name="key"/>, or empty.</summary>
    public static string DidYouMean(string key) => Suggest(key) is { } s ? $"; did you mean {s}?" : "";

    // The reference's shape is the schema: its keys are the known ones, its objects must stay objects and its values values.
    internal static void CheckShape(HoconValue value, HoconValue reference, string path, List<ConfigException> errors)
    {
        var known = reference.GetObject().Items;
        foreach (var (key, child) in value.GetObject().Items)
        {
            var childPath = $"{path}.{key}";
            if (FreeFormSections.Contains(childPath))
            {
                if (!child.IsObject()) errors.Add(new ConfigException(childPath, "must be an object (an Akka dispatcher or mailbox definition)"));
                continue;
            }
            if (childPath == ServerOptionsReader.NamedSection && child.IsObject())
            {
                CheckNamedServers(child, childPath, errors);
                continue;
            }
            if (!known.TryGetValue(key, out var referenceChild))
            {
                var names = path == Root ? known.Keys.Concat(FreeFormSections.Select(s => s[(Root.Length + 1)..])) : known.Keys;
                errors.Add(new ConfigException(childPath, $"unknown key (known keys: {string.Join(", ", names)}){DidYouMean(childPath)}"));
            }
            else if (referenceChild.IsObject())
            {
                if (!child.IsObject())
                    errors.Add(new ConfigException(childPath, $"must be an object {{ {string.Join(", ", referenceChild.GetObject().Items.Keys)} }}"));
                else CheckShape(child, referenceChild, childPath, errors);
            }
            else if (child.IsObject())
                errors.Add(new ConfigException(childPath, "must be a single value, not an object"));
        }
    }

    // Each named server is shaped like actornet.server; its name must suit an actor name and /status.
    private static void CheckNamedServers(HoconValue servers, string path, List<ConfigException> errors)
    {
        var shape = Config.GetValue(ServerOptionsReader.Section);
        foreach (var (name, server) in servers.GetObject().Items)
        {
            var serverPath = $"{path}.{name}";
            if (!IsServerName(name))
                errors.Add(new ConfigException(serverPath, "a server's name is letters, digits, '-' and '_', starting with a letter or digit"));
            else if (name == ServerOptionsReader.DefaultName)
                errors.Add(new ConfigException(serverPath, $"\"{name}\" is actornet.server's name (in /status); choose another"));
            else if (!server.IsObject())
                errors.Add(new ConfigException(serverPath, $"must be an object {{ {string.Join(", ", shape.GetObject().Items.Keys)} }}"));
            else CheckShape(server, shape, serverPath, errors);
        }
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    private static List<string> ListPaths()
    {
        var paths = new List<string>();
        void Add(HoconValue value, string path)
        {
            paths.Add(path);
            if (value.IsObject())
                foreach (var (key, child) in value.GetObject().Items) Add(child, $"{path}.{key}");
        }
        Add(Config.GetValue(Root), Root);
        paths.AddRange(FreeFormSections);
        return paths;
    }

    private static string Load()
    {
        using var stream = typeof(ReferenceConfig).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not embedded in ActorNet.Actors");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
