using System.Text.RegularExpressions;

namespace ActorNet.Tests.Support;

/// <summary>
/// Checks that every C# code block of a Markdown document is an exact excerpt of a file the build compiles.
/// A block is marked by the line <c>&lt;!-- file: PATH --&gt;</c> (the whole file) or
/// <c>&lt;!-- file: PATH#NAME --&gt;</c> (the lines between <c>#region NAME</c> and its <c>#endregion</c>, dedented)
/// right before its opening fence; PATH is relative to the repository root.
/// </summary>
internal static partial class MarkdownExcerpts
{
    /// <summary>The repository root: the nearest directory above the test's output that holds ActorNet.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ActorNet.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no ActorNet.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>The problems of <paramref name="markdown"/>, each naming <paramref name="document"/> and a line; empty when none.</summary>
    /// <param name="markdown">The document's text.</param>
    /// <param name="document">Its name, for the messages.</param>
    /// <param name="readFile">Reads a repository-relative path; null when there is no such file.</param>
    /// <param name="checkedBlocks">How many marked blocks were compared.</param>
    public static List<string> Check(string markdown, string document, Func<string, string?> readFile, out int checkedBlocks)
    {
        var problems = new List<string>();
        checkedBlocks = 0;
        var lines = Lines(markdown);
        for (var i = 0; i < lines.Length; i++)
        {
            var open = Fence().Match(lines[i]);
            if (!open.Success) continue;
            var fence = open.Groups["fence"].Value;
            var info = open.Groups["info"].Value.Trim();
            var end = Array.FindIndex(lines, i + 1, l => l.TrimStart().StartsWith(fence, StringComparison.Ordinal) && l.Trim().Trim(fence[0]).Length == 0);
            if (end < 0)
            {
                problems.Add($"{document}:{i + 1}: a code block is never closed");
                break;
            }
            var body = lines[(i + 1)..end];
            var marker = MarkerBefore(lines, i);
            var isCSharp = info.ToLowerInvariant() is "csharp" or "cs" or "c#" || (info.Length == 0 && body.Any(LooksLikeCSharp));
            if (marker is null)
            {
                if (isCSharp) problems.Add($"{document}:{i + 1}: a C# block with no <!-- file: PATH --> marker before it (examples/ holds the code CI builds)");
            }
            else
            {
                checkedBlocks++;
                if (Compare(marker, body, readFile) is var (line, problem) && problem is not null)
                    problems.Add($"{document}:{i + 1 + (line ?? 0)}: {problem}");
            }
            i = end;
        }
        return problems;
    }

    // The problem, if any, and the line of the block it is on (1 = the line after the fence).
    private static (int? Line, string? Problem) Compare(string marker, string[] block, Func<string, string?> readFile)
    {
        var hash = marker.IndexOf('#');
        var path = hash < 0 ? marker : marker[..hash];
        var region = hash < 0 ? null : marker[(hash + 1)..];
        if (Path.IsPathRooted(path) || path.Split('/', '\\').Contains(".."))
            return (null, $"{marker}: the path must be relative to the repository and stay inside it");
        var text = readFile(path);
        if (text is null) return (null, $"{path}: no such file");
        var expected = Lines(text);
        if (region is not null)
        {
            var start = Array.FindIndex(expected, l => l.Trim() == $"#region {region}");
            var stop = start < 0 ? -1 : Array.FindIndex(expected, start + 1, l => l.Trim() == "#endregion");
            if (stop < 0) return (null, $"{path}: no \"#region {region}\" ... \"#endregion\"");
            expected = Dedent(expected[(start + 1)..stop]);
        }
        expected = TrimBlankEnds(expected);
        var leading = Array.FindIndex(block, l => l.Length > 0);
        var actual = TrimBlankEnds(block);
        for (var n = 0; n < Math.Max(expected.Length, actual.Length); n++)
        {
            var want = n < expected.Length ? expected[n] : null;
            var got = n < actual.Length ? actual[n] : null;
            if (want != got)
                return (Math.Max(leading, 0) + n + 1, $"differs from {marker} at line {n + 1} of the block:\n  file:  {want ?? "(end)"}\n  block: {got ?? "(end)"}");
        }
        return (null, null);
    }

    private static string? MarkerBefore(string[] lines, int fenceLine)
    {
        for (var i = fenceLine - 1; i >= 0; i--)
        {
            if (lines[i].Trim().Length == 0) continue;
            var marker = Marker().Match(lines[i]);
            return marker.Success ? marker.Groups["path"].Value : null;
        }
        return null;
    }

    private static bool LooksLikeCSharp(string line) => CSharpLine().IsMatch(line);

    private static string[] Lines(string text) =>
        text.TrimStart('\uFEFF').Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd()).ToArray();

    private static string[] TrimBlankEnds(string[] lines)
    {
        var from = Array.FindIndex(lines, l => l.Length > 0);
        var to = Array.FindLastIndex(lines, l => l.Length > 0);
        return from < 0 ? [] : lines[from..(to + 1)];
    }

    private static string[] Dedent(string[] lines)
    {
        var indent = lines.Where(l => l.Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return lines.Select(l => l.Length >= indent ? l[indent..] : l).ToArray();
    }

    [GeneratedRegex(@"^\s{0,3}(?<fence>`{3,}|~{3,})(?<info>[^`]*)$")]
    private static partial Regex Fence();

    [GeneratedRegex(@"^\s*<!--\s*file:\s*(?<path>\S+)\s*-->\s*$")]
    private static partial Regex Marker();

    // using directives, type declarations, or "var x = ...;": enough to tell C# from shell, HOCON and tables.
    [GeneratedRegex(@"^\s*(using [A-Z][\w.]*;|((public|internal|private|sealed|static|abstract|partial) )*(class|record|interface|struct) [A-Z]\w*|var \w+ = .+;)")]
    private static partial Regex CSharpLine();
}
