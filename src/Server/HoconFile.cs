using System.Diagnostics;
using ActorNet.Options;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorNet.Server;

/// <summary>
/// Reads a HOCON file for the executable: <see cref="HoconScanner"/> checks it and every file it includes first
/// (errors with file, line and column), then Akka's parser runs on a thread of its own within a time and memory
/// limit, so malformed text can neither hang the process nor pass.
/// </summary>
internal static class HoconFile
{
    /// <summary>How long Akka's parser may take; a few milliseconds is usual.</summary>
    public static readonly TimeSpan ParseTimeLimit = TimeSpan.FromSeconds(5);

    /// <summary>How much the heap may grow while Akka's parser runs.</summary>
    public const long ParseMemoryLimit = 256L * 1024 * 1024;

    private const int MaxIncludeDepth = 16;

    /// <summary>Reads and parses <paramref name="path"/>; <paramref name="environment"/> resolves <c>${VAR}</c>.</summary>
    /// <exception cref="ConfigException">Every problem found, each naming <c>file:line:column</c> (or the file).</exception>
    public static Config Load(string path, Func<string, string?> environment)
    {
        var full = System.IO.Path.GetFullPath(path);
        var files = new Dictionary<string, HoconScanner.Result>(StringComparer.Ordinal);
        var errors = new List<ConfigException>();
        Scan(full, environment, files, errors, [full]);
        if (errors.Count > 0) throw new ConfigException(errors);
        return ParseBounded(full, files);
    }

    // Scans the file and, depth first, the files it includes, so every problem is known before anything is parsed.
    private static void Scan(string file, Func<string, string?> environment, Dictionary<string, HoconScanner.Result> files,
        List<ConfigException> errors, List<string> chain)
    {
        if (files.ContainsKey(file)) return;
        var result = HoconScanner.Scan(File.ReadAllText(file), environment);
        files[file] = result;
        foreach (var problem in result.Problems)
            errors.Add(new ConfigException($"{file}:{problem.Line}:{problem.Column}", problem.Text));
        foreach (var include in result.Includes)
        {
            var target = Resolve(file, include.Name);
            var at = $"{file}:{include.Line}:{include.Column}";
            if (!File.Exists(target))
                errors.Add(new ConfigException(at, $"include \"{include.Name}\": file not found ({target})"));
            else if (chain.Contains(target))
                errors.Add(new ConfigException(at, $"include \"{include.Name}\": includes itself ({string.Join(" -> ", chain.Append(target))})"));
            else if (chain.Count >= MaxIncludeDepth)
                errors.Add(new ConfigException(at, $"include \"{include.Name}\": includes nested deeper than {MaxIncludeDepth}"));
            else
                Scan(target, environment, files, errors, [.. chain, target]);
        }
    }

    /// <summary>An include's file: relative to the including file's folder, as HOCON has it.</summary>
    private static string Resolve(string includer, string name) =>
        System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(includer) ?? ".", name));

    private static Config ParseBounded(string file, Dictionary<string, HoconScanner.Result> files)
    {
        var heapBefore = GC.GetTotalMemory(false);
        var started = Stopwatch.GetTimestamp();
        // A thread of its own: a parser that never returns is left spinning while the process exits with the error.
        var parse = Task.Factory.StartNew(() => Parse(file, files), CancellationToken.None, TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        while (!((IAsyncResult)parse).AsyncWaitHandle.WaitOne(TimeSpan.FromMilliseconds(20)))
        {
            if (Stopwatch.GetElapsedTime(started) > ParseTimeLimit)
                throw new ConfigException(file, $"not valid HOCON: the parser did not finish within {ParseTimeLimit.TotalSeconds:0} s");
            if (GC.GetTotalMemory(false) - heapBefore > ParseMemoryLimit)
                throw new ConfigException(file, $"not valid HOCON: the parser used more than {ParseMemoryLimit >> 20} MiB");
        }
        return parse.GetAwaiter().GetResult();
    }

    private static Config Parse(string file, Dictionary<string, HoconScanner.Result> files)
    {
        try
        {
            return ConfigurationFactory.ParseString(files[file].Text, IncludeFrom(file, files));
        }
        catch (FormatException e)
        {
            throw Explain(file, files[file], e);
        }
    }

    private static Func<string, HoconRoot> IncludeFrom(string includer, Dictionary<string, HoconScanner.Result> files) => name =>
    {
        var target = Resolve(includer, name);
        try
        {
            return Parser.Parse(files[target].Text, IncludeFrom(target, files));
        }
        catch (FormatException e)
        {
            throw Explain(target, files[target], e);
        }
    };

    private static ConfigException Explain(string file, HoconScanner.Result scanned, FormatException e)
    {
        var message = e.Message.Split('\n')[0].Trim();
        const string unresolved = "Unresolved substitution:";
        if (message.StartsWith(unresolved, StringComparison.Ordinal))
        {
            var path = message[unresolved.Length..].Trim();
            var where = scanned.Unresolved.FirstOrDefault(s => s.Path == path);
            var at = where is null ? file : $"{file}:{where.Line}:{where.Column}";
            return new ConfigException(at, $"${{{path}}} is not set: neither an environment variable nor a key of this file (${{?{path}}} leaves the key unset instead)");
        }
        return new ConfigException(file, $"not valid HOCON: {message}");
    }
}
