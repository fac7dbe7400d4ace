using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Xunit.Abstractions;

namespace ActorNet.Tests.Support;

/// <summary>The executable as a child process (dotnet ActorNet.Server.dll ...), with captured output; killed on dispose.</summary>
internal sealed class ServerProcess : IDisposable
{
    public const int SIGINT = 2;
    public const int SIGTERM = 15;

    /// <summary>A second signal this long (and a little more) after the first force-closes; earlier ones are copies.</summary>
    public static readonly TimeSpan ForceWindow = TimeSpan.FromMilliseconds(1100);

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _stdout = new();
    private ITestOutputHelper? _log;
    private string? _configPath;

    private ServerProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (_stdout) _stdout.AppendLine(e.Data);
            Append(e.Data);
        };
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static string ServerDll => Path.Combine(AppContext.BaseDirectory, "ActorNet.Server.dll");

    public int Pid => _process.Id;

    /// <summary>The port the server listens on (set by <see cref="StartReady"/> and <see cref="StartWithConfig"/>).</summary>
    public int Port { get; private set; }

    /// <summary>When the readiness probe was closed (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public long ProbeClosedAt { get; private set; }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>What the process wrote on stdout alone (<see cref="Output"/> has stderr too).</summary>
    public string StandardOutput
    {
        get
        {
            lock (_stdout) return _stdout.ToString();
        }
    }

    public bool HasExited => _process.HasExited;

    public static ServerProcess Start(params string[] args) => Start(args, openFilesLimit: null);

    /// <summary>
    /// Starts the executable; with <paramref name="openFilesLimit"/>, under that RLIMIT_NOFILE (soft and hard); with
    /// <paramref name="environment"/>, those variables set (a null value removes one); <paramref name="wrap"/> may put a
    /// shell in front of dotnet.
    /// </summary>
    public static ServerProcess Start(string[] args, int? openFilesLimit, IReadOnlyDictionary<string, string?>? environment = null,
        Action<ProcessStartInfo>? wrap = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) info.Environment.Remove(name);
            else info.Environment[name] = value;
        }
        info.ArgumentList.Add(ServerDll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        if (openFilesLimit is { } limit) DescriptorFlood.RunUnderOpenFilesLimit(info, limit);
        wrap?.Invoke(info);
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        process.StandardInput.Close();
        return new ServerProcess(process);
    }

    /// <summary>
    /// Writes <paramref name="config"/> to a temp file (absolute path) for <paramref name="port"/> and starts
    /// <c>--config FILE</c>; does not wait for readiness.
    /// </summary>
    public static ServerProcess StartWithConfig(ServerConfig config, int port, ITestOutputHelper? log = null, params string[] overrides) =>
        StartWithConfig(config, port, log, openFilesLimit: null, overrides);

    private static ServerProcess StartWithConfig(ServerConfig config, int port, ITestOutputHelper? log, int? openFilesLimit, string[] overrides)
    {
        var path = Path.Combine(Path.GetTempPath(), $"actornet-test-{Guid.NewGuid():N}.conf");
        File.WriteAllText(path, config.ToHocon(port));
        var server = Start(["--config", path, .. overrides], openFilesLimit);
        server._configPath = path;
        server._log = log;
        server.Port = port;
        return server;
    }

    /// <summary>
    /// Starts a server with <paramref name="config"/> on a free port and waits (at most 20 s) until it accepts a
    /// connection on 127.0.0.1; the probe connects and closes (FIN, no data). A port taken between choosing and
    /// binding it (EADDRINUSE) is retried with another port.
    /// </summary>
    public static ServerProcess StartReady(ServerConfig config, ITestOutputHelper? log = null, TimeSpan? pollInterval = null,
        params string[] overrides) => StartReady(config, log, pollInterval, openFilesLimit: null, overrides);

    /// <summary><see cref="StartReady(ServerConfig, ITestOutputHelper?, TimeSpan?, string[])"/> under an open-files limit.</summary>
    public static ServerProcess StartReady(ServerConfig config, ITestOutputHelper? log, TimeSpan? pollInterval, int? openFilesLimit,
        params string[] overrides)
    {
        for (var attempt = 1; ; attempt++)
        {
            var server = StartWithConfig(config, FreePort(), log, openFilesLimit, overrides);
            try
            {
                if (server.WaitUntilReady(ReadyTimeout, pollInterval ?? TimeSpan.FromMilliseconds(10))) return server;
                var output = server.Output;
                var inUse = output.Contains("EADDRINUSE", StringComparison.Ordinal)
                    || output.Contains("address already in use", StringComparison.OrdinalIgnoreCase);
                if (!inUse || attempt == 5)
                    throw new InvalidOperationException(
                        $"server did not become ready on port {server.Port} (exited: {server.HasExited}); output:\n{output}");
            }
            catch
            {
                server.Dispose();
                throw;
            }
            server.Dispose();
        }
    }

    /// <summary>
    /// Starts the executable with <paramref name="args"/> and <paramref name="environment"/>, expecting it to listen on
    /// <paramref name="port"/>; waits (at most 20 s) until it accepts there.
    /// </summary>
    public static ServerProcess StartReadyWithEnvironment(IReadOnlyDictionary<string, string?> environment, int port, params string[] args)
    {
        var server = Start(args, openFilesLimit: null, environment);
        server.Port = port;
        if (server.WaitUntilReady(ReadyTimeout, TimeSpan.FromMilliseconds(10))) return server;
        var output = server.Output;
        server.Dispose();
        throw new InvalidOperationException($"server did not become ready on port {port}; output:\n{output}");
    }

    /// <summary>A port that was free a moment ago (bound to 0, then closed).</summary>
    public static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private bool WaitUntilReady(TimeSpan timeout, TimeSpan pollInterval)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (_process.HasExited) return false;
            using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                try
                {
                    // Loopback connects are answered at once (accepted or refused).
                    socket.Connect(new IPEndPoint(IPAddress.Loopback, Port));
                    socket.Close(); // FIN, no data
                    ProbeClosedAt = Stopwatch.GetTimestamp();
                    return true;
                }
                catch (SocketException)
                {
                }
            }
            // Not listening yet: wait for the process to exit or the poll interval, whichever comes first.
            _process.WaitForExit(pollInterval);
        }
        return false;
    }

    /// <summary>Waits for exit (bounded); returns the exit code.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
            throw new TimeoutException($"server did not exit within {timeout}; output:\n{Output}");
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Sends <paramref name="signal"/> (SIGTERM, SIGINT) to the server's PID.</summary>
    public void Signal(int signal)
    {
        if (kill(_process.Id, signal) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        try
        {
            _log?.WriteLine($"--- server output (port {Port}) ---\n{Output}");
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        if (_configPath is not null) File.Delete(_configPath);
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.AppendLine(line);
            Monitor.PulseAll(_output);
        }
    }

    /// <summary>Waits (bounded) until the output contains <paramref name="text"/>; false on timeout.</summary>
    public bool WaitForOutput(string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        lock (_output)
        {
            while (!_output.ToString().Contains(text, StringComparison.Ordinal))
            {
                var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                if (left <= TimeSpan.Zero || !Monitor.Wait(_output, left)) return _output.ToString().Contains(text, StringComparison.Ordinal);
            }
            return true;
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
