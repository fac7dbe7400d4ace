using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ActorNet.Server;

/// <summary>
/// A structural check of HOCON text before Akka's parser sees it, and the environment substitutions Akka's parser
/// lacks. Akka 1.5's parser spins without end on an unterminated array, and accepts an unterminated string, a
/// missing or an extra <c>}</c>, and <c>key = = value</c> without a word; this scanner finds those with their line
/// and column. It also rewrites <c>${VAR}</c> and <c>${?VAR}</c> that name environment variables (Akka's parser
/// takes <c>${?VAR}</c> for a reference to the whole document and never reads the environment).
/// </summary>
internal static class HoconScanner
{
    /// <summary>A problem at a line and column (both from 1).</summary>
    public sealed record Problem(int Line, int Column, string Text);

    /// <summary>An <c>include "name"</c> statement.</summary>
    public sealed record Include(int Line, int Column, string Name);

    /// <summary>A <c>${path}</c> that neither the environment nor this scanner resolved: Akka resolves it within the file.</summary>
    public sealed record Substitution(int Line, int Column, string Path);

    /// <summary>The outcome: <see cref="Text"/> is what Akka's parser may be given when <see cref="Problems"/> is empty.</summary>
    public sealed record Result(string Text, IReadOnlyList<Problem> Problems, IReadOnlyList<Include> Includes,
        IReadOnlyList<Substitution> Unresolved);

    private enum State { ExpectKey, InKey, ExpectValue, InValue }

    private sealed class Frame(char kind, int line, int column, int offset)
    {
        public char Kind { get; } = kind; // '{', '[' or 'R' (the root object, braces optional)
        public int Line { get; } = line;
        public int Column { get; } = column;
        public int Offset { get; } = offset;
        public State State { get; set; } = State.ExpectKey;
        public int FieldStart { get; set; } = -1;
        public int KeyLine { get; set; }
        public int KeyColumn { get; set; }
        public int ValueTokens { get; set; }
        public (int Start, int End)? MissingOptional { get; set; }
    }

    private const int MaxProblems = 50;

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Checks <paramref name="text"/>; <paramref name="environment"/> looks a variable up (null = not set).</summary>
    public static Result Scan(string text, Func<string, string?> environment)
    {
        var problems = new List<Problem>();
        var includes = new List<Include>();
        var unresolved = new List<Substitution>();
        // Edits to the text, in order: (start, length, replacement).
        var edits = new List<(int Start, int Length, string With)>();
        var stack = new Stack<Frame>();
        stack.Push(new Frame('R', 1, 1, 0));
        int line = 1, lineStart = 0, i = 0;

        int Col(int offset) => offset - lineStart + 1;
        void Report(int l, int c, string what)
        {
            if (problems.Count < MaxProblems) problems.Add(new Problem(l, c, what));
        }

        // A field of an object ends (newline, comma, closing brace, end of text): check it had a value.
        void EndField(Frame f, int at, bool comma = false)
        {
            if (f.Kind == '[') return;
            switch (f.State)
            {
                case State.InKey:
                    Report(f.KeyLine, f.KeyColumn, "a key without '=' and a value");
                    break;
                case State.ExpectValue:
                    Report(f.KeyLine, f.KeyColumn, "'=' without a value");
                    break;
                case State.InValue when f.MissingOptional is { } missing && f.ValueTokens == 1 && f.FieldStart >= 0:
                    // HOCON: a field whose whole value is an unset ${?VAR} is not set at all, so a lower layer's value stays.
                    // Its comma goes too: Akka's parser refuses a comma with no field before it.
                    var end = comma ? at + 1 : missing.End;
                    edits.Add((f.FieldStart, end - f.FieldStart, Blank(text, f.FieldStart, end)));
                    break;
                case State.InValue when f.MissingOptional is { } missing:
                    edits.Add((missing.Start, missing.End - missing.Start, "\"\""));
                    break;
            }
            f.State = State.ExpectKey;
            f.FieldStart = -1;
            f.ValueTokens = 0;
            f.MissingOptional = null;
        }

        // A value token (word, string, substitution, object or array) starts at i.
        void ValueToken(Frame f, int at)
        {
            if (f.Kind == '[') return;
            switch (f.State)
            {
                case State.ExpectKey:
                    f.State = State.InKey;
                    f.FieldStart = at;
                    f.KeyLine = line;
                    f.KeyColumn = Col(at);
                    break;
                case State.ExpectValue:
                    f.State = State.InValue;
                    f.ValueTokens = 1;
                    break;
                case State.InValue:
                    f.ValueTokens++;
                    break;
            }
        }

        while (i < text.Length)
        {
            var c = text[i];
            var top = stack.Peek();
            switch (c)
            {
                case '\n':
                    // A value may start on the line after '='; everything else ends at the line's end.
                    if (top.State != State.ExpectValue) EndField(top, i);
                    i++;
                    line++;
                    lineStart = i;
                    continue;
                case ' ' or '\t' or '\r' or '\uFEFF':
                    i++;
                    continue;
                case '#':
                    i = SkipToLineEnd(text, i);
                    continue;
                case '/' when i + 1 < text.Length && text[i + 1] == '/':
                    i = SkipToLineEnd(text, i);
                    continue;
                case '"':
                {
                    var startLine = line;
                    var startCol = Col(i);
                    if (string.CompareOrdinal(text, i, "\"\"\"", 0, 3) == 0)
                    {
                        var close = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
                        if (close < 0)
                        {
                            Report(startLine, startCol, "unterminated \"\"\" string");
                            return Done();
                        }
                        ValueToken(top, i);
                        for (var k = i; k < close; k++)
                            if (text[k] == '\n')
                            {
                                line++;
                                lineStart = k + 1;
                            }
                        i = close + 3;
                        while (i < text.Length && text[i] == '"') i++; // """a"""" ends with the last three
                        continue;
                    }
                    var end = QuotedEnd(text, i);
                    if (end < 0)
                    {
                        Report(startLine, startCol, "unterminated string (a quoted string ends on its own line; use \"\"\" for several lines)");
                        i = SkipToLineEnd(text, i);
                        top.State = State.ExpectKey; // the rest of the line is lost; do not report it again
                        continue;
                    }
                    ValueToken(top, i);
                    i = end + 1;
                    continue;
                }
                case '$' when i + 1 < text.Length && text[i + 1] == '{':
                {
                    var close = text.IndexOfAny(['}', '\n'], i + 2);
                    if (close < 0 || text[close] == '\n')
                    {
                        Report(line, Col(i), "unterminated substitution (expected '}' on the same line)");
                        i = close < 0 ? text.Length : close;
                        continue;
                    }
                    var optional = i + 2 < close && text[i + 2] == '?';
                    var path = text[(i + (optional ? 3 : 2))..close].Trim();
                    if (top.Kind != '[' && top.State is State.ExpectKey or State.InKey)
                        Report(line, Col(i), "a substitution where a key belongs");
                    ValueToken(top, i);
                    if (path.Length == 0) Report(line, Col(i), "empty substitution");
                    else if (environment(path) is { } value)
                        edits.Add((i, close + 1 - i, JsonSerializer.Serialize(value, Relaxed)));
                    else if (optional)
                    {
                        if (top.Kind == '[')
                        {
                            // The element goes with its comma: Akka's parser would make an empty element of "1, , 2".
                            var end = close + 1;
                            while (end < text.Length && text[end] is ' ' or '\t') end++;
                            end = end < text.Length && text[end] == ',' ? end + 1 : close + 1;
                            edits.Add((i, end - i, Blank(text, i, end)));
                            i = end;
                            continue;
                        }
                        else top.MissingOptional = (i, close + 1);
                    }
                    else unresolved.Add(new Substitution(line, Col(i), path));
                    i = close + 1;
                    continue;
                }
                case '{':
                    if (top.Kind == 'R' && top.State == State.ExpectKey && AtStart(text, i))
                    {
                        // HOCON allows braces around the whole file.
                        stack.Push(new Frame('{', line, Col(i), i));
                        i++;
                        continue;
                    }
                    if (top.Kind != '[' && top.State == State.ExpectKey)
                        Report(line, Col(i), "'{' where a key belongs");
                    if (top.Kind != '[' && top.State == State.InKey) top.State = State.ExpectValue;
                    ValueToken(top, i);
                    stack.Push(new Frame('{', line, Col(i), i));
                    i++;
                    continue;
                case '[':
                    if (top.Kind != '[' && top.State is State.ExpectKey or State.InKey)
                        Report(line, Col(i), "'[' where a key belongs (expected '=' before an array)");
                    ValueToken(top, i);
                    stack.Push(new Frame('[', line, Col(i), i));
                    i++;
                    continue;
                case '}' or ']':
                {
                    var opener = c == '}' ? '{' : '[';
                    if (top.Kind != opener)
                    {
                        Report(line, Col(i), top.Kind == 'R' || !stack.Any(f => f.Kind == opener)
                            ? $"unexpected '{c}' (nothing to close)"
                            : $"'{c}' where '{(top.Kind == '{' ? '}' : ']')}' should close the '{top.Kind}' opened at line {top.Line}, column {top.Column}");
                        i++;
                        continue;
                    }
                    EndField(top, i);
                    stack.Pop();
                    var parent = stack.Peek();
                    if (parent.Kind != '[' && parent.State == State.ExpectValue) parent.State = State.InValue;
                    i++;
                    continue;
                }
                case ',':
                    EndField(top, i, comma: true);
                    i++;
                    continue;
                case '=' or ':':
                case '+' when i + 1 < text.Length && text[i + 1] == '=':
                {
                    var width = c == '+' ? 2 : 1;
                    var op = text.Substring(i, width);
                    if (top.Kind == '[') Report(line, Col(i), $"unexpected '{op}' in an array");
                    else if (top.State == State.InKey) top.State = State.ExpectValue;
                    else if (top.State == State.ExpectValue) Report(line, Col(i), $"unexpected '{op}': a value is missing after the '=' before it");
                    else if (top.State == State.InValue) Report(line, Col(i), $"unexpected '{op}' after a value (quote a value that holds '=' or ':')");
                    else Report(line, Col(i), $"'{op}' without a key");
                    i += width;
                    continue;
                }
                default:
                {
                    if (top.Kind != '[' && top.State == State.ExpectKey && IsWord(text, i, "include"))
                    {
                        i = ScanInclude(text, i, line, Col(i), includes, Report);
                        top.State = State.InValue; // a whole statement: a newline or comma ends it
                        top.FieldStart = -1;
                        continue;
                    }
                    ValueToken(top, i);
                    // An unquoted word runs to the next character that means something.
                    while (i < text.Length && !IsSpecial(text, i)) i++;
                    continue;
                }
            }
        }

        return Done();

        Result Done()
        {
            // Innermost first: that is the one left open.
            var open = stack.ToList();
            EndField(open[0], text.Length);
            foreach (var frame in open.Where(f => f.Kind != 'R'))
                Report(frame.Line, frame.Column, $"'{frame.Kind}' is never closed");
            var rewritten = new StringBuilder(text.Length);
            var at = 0;
            foreach (var (start, length, with) in edits.OrderBy(e => e.Start))
            {
                if (start < at) continue;
                rewritten.Append(text, at, start - at).Append(with);
                at = start + length;
            }
            rewritten.Append(text, at, text.Length - at);
            return new Result(rewritten.ToString(), problems, includes, unresolved);
        }
    }

    private static bool AtStart(string text, int i)
    {
        for (var k = 0; k < i; k++)
        {
            if (text[k] is ' ' or '\t' or '\r' or '\n' or '\uFEFF') continue;
            if (text[k] == '#' || (text[k] == '/' && k + 1 < text.Length && text[k + 1] == '/'))
            {
                k = SkipToLineEnd(text, k) - 1;
                continue;
            }
            return false;
        }
        return true;
    }

    // Spaces for the removed text, newlines kept so Akka's view of the lines does not shift.
    private static string Blank(string text, int start, int end)
    {
        var chars = new char[end - start];
        for (var k = 0; k < chars.Length; k++) chars[k] = text[start + k] == '\n' ? '\n' : ' ';
        return new string(chars);
    }

    private static int SkipToLineEnd(string text, int i)
    {
        var end = text.IndexOf('\n', i);
        return end < 0 ? text.Length : end;
    }

    /// <summary>The index of the closing quote of the string opened at <paramref name="i"/>, or -1 when the line ends first.</summary>
    private static int QuotedEnd(string text, int i)
    {
        for (var k = i + 1; k < text.Length; k++)
        {
            if (text[k] == '\\') k++;
            else if (text[k] == '"') return k;
            else if (text[k] == '\n') return -1;
        }
        return -1;
    }

    private static bool IsWord(string text, int i, string word) =>
        string.CompareOrdinal(text, i, word, 0, word.Length) == 0
        && (i + word.Length == text.Length || text[i + word.Length] is ' ' or '\t' or '"');

    private static bool IsSpecial(string text, int i) => text[i] switch
    {
        '\n' or ' ' or '\t' or '\r' or '"' or '{' or '}' or '[' or ']' or ',' or '=' or ':' or '#' => true,
        '$' => i + 1 < text.Length && text[i + 1] == '{',
        '/' => i + 1 < text.Length && text[i + 1] == '/',
        '+' => i + 1 < text.Length && text[i + 1] == '=',
        _ => false,
    };

    private static int ScanInclude(string text, int i, int line, int column, List<Include> includes, Action<int, int, string> report)
    {
        var k = i + "include".Length;
        while (k < text.Length && text[k] is ' ' or '\t') k++;
        var end = k < text.Length && text[k] == '"' ? QuotedEnd(text, k) : -1;
        if (end < 0)
        {
            report(line, column, "include needs a quoted file name (include \"other.conf\"); required(), file(), url() and classpath() are not supported");
            return SkipToLineEnd(text, i);
        }
        try
        {
            includes.Add(new Include(line, column, JsonSerializer.Deserialize<string>(text.AsSpan(k, end + 1 - k)) ?? ""));
        }
        catch (JsonException)
        {
            report(line, column, "include: the file name is not a valid quoted string");
        }
        return end + 1;
    }
}
