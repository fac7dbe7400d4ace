namespace ActorNet.Tests.Support;

/// <summary>A child process's output lines, collected as they come, with a bounded wait for one of them.</summary>
internal sealed class OutputLines(string who)
{
    private readonly List<string> _lines = [];

    public void Add(string line)
    {
        lock (_lines)
        {
            _lines.Add(line);
            Monitor.PulseAll(_lines);
        }
    }

    public override string ToString()
    {
        lock (_lines) return string.Join("\n", _lines);
    }

    /// <summary>Waits (bounded) for a line starting with <paramref name="prefix"/>; returns the rest of it.</summary>
    public string WaitForLine(string prefix, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_lines)
        {
            while (true)
            {
                var line = _lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
                if (line is not null) return line[prefix.Length..];
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                    throw new TimeoutException($"{who} printed no line starting with \"{prefix}\" within {timeout}; output:\n{string.Join("\n", _lines)}");
                Monitor.Wait(_lines, left);
            }
        }
    }
}
