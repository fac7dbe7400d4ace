using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace ActorNet.Tests.Support;

/// <summary>An example program (dotnet ActorNet.Examples.*.dll) as a child process with captured output; killed on dispose.</summary>
internal sealed class ExampleProcess : IDisposable
{
    public const int SIGTERM = 15;

    private readonly Process _process;
    private readonly OutputLines _lines = new("the example");

    private ExampleProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data is null ? null : "STDERR " + e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Everything printed so far, one line each (stderr lines start with "STDERR ").</summary>
    public string Output => _lines.ToString();

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>dotnet ActorNet.Examples.{name}.dll args...</c> from the test's output directory.</summary>
    public static ExampleProcess Start(string name, params string[] args) => Start(name, args, openFilesLimit: null);

    /// <summary><see cref="Start(string, string[])"/> under an open-files limit (soft and hard).</summary>
    public static ExampleProcess StartUnderOpenFilesLimit(int limit, string name, params string[] args) => Start(name, args, limit);

    private static ExampleProcess Start(string name, string[] args, int? openFilesLimit)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, $"ActorNet.Examples.{name}.dll"));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        if (openFilesLimit is { } limit) DescriptorFlood.RunUnderOpenFilesLimit(info, limit);
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        process.StandardInput.Close();
        return new ExampleProcess(process);
    }

    /// <summary>Waits (bounded) for a line starting with <paramref name="prefix"/>; returns the rest of it.</summary>
    public string WaitForLine(string prefix, TimeSpan timeout) => _lines.WaitForLine(prefix, timeout);

    /// <summary>Waits (bounded) for the exit; returns the exit code.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) throw new TimeoutException($"the example did not exit within {timeout}; output:\n{Output}");
        _process.WaitForExit(); // the output is complete
        return _process.ExitCode;
    }

    /// <summary>Sends <paramref name="signal"/> to the process.</summary>
    public void Signal(int signal)
    {
        if (kill(_process.Id, signal) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(5000);
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null) _lines.Add(line);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
