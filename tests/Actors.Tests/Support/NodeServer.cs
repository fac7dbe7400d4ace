using System.Diagnostics;
using System.Net;

namespace ActorNet.Tests.Support;

/// <summary>
/// A Node.js <c>net</c> server started by a test from a script body; it listens on 127.0.0.1, port 0,
/// prints "PORT n" when listening and any "LOG ..." lines the script writes; killed on dispose.
/// </summary>
internal sealed class NodeServer : IDisposable
{
    private readonly Process _process;
    private readonly OutputLines _lines = new("node");
    private readonly string _script;

    private NodeServer(Process process, string script)
    {
        _process = process;
        _script = script;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null) _lines.Add(e.Data);
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) _lines.Add("STDERR " + e.Data);
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public IPEndPoint EndPoint { get; private set; } = null!;

    /// <summary>Starts <c>node</c> with <paramref name="onConnection"/> as the body of <c>(socket) => { ... }</c>.</summary>
    public static NodeServer Start(string onConnection, bool allowHalfOpen = false)
    {
        var node = FindNode() ?? throw new InvalidOperationException(
            "node is not on PATH: these tests compare ActorNet with Node's net module and need Node.js installed");
        var script = Path.Combine(Path.GetTempPath(), $"actornet-node-{Guid.NewGuid():N}.js");
        File.WriteAllText(script, $$"""
            'use strict';
            const net = require('net');
            const log = (s) => console.log('LOG ' + s);
            const server = net.createServer({ allowHalfOpen: {{(allowHalfOpen ? "true" : "false")}} }, (socket) => {
              socket.on('error', (e) => log('error ' + e.code));
              {{onConnection}}
            });
            server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port));
            setTimeout(() => process.exit(0), 120000).unref();
            """);
        var info = new ProcessStartInfo(node, script) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var server = new NodeServer(Process.Start(info)!, script);
        var port = server.WaitForLine("PORT ", TimeSpan.FromSeconds(20));
        server.EndPoint = new IPEndPoint(IPAddress.Loopback, int.Parse(port));
        return server;
    }

    /// <summary>Waits (bounded) for a stdout line starting with <paramref name="prefix"/>; returns the rest.</summary>
    public string WaitForLine(string prefix, TimeSpan timeout) => _lines.WaitForLine(prefix, timeout);

    private static string? FindNode() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(dir => Path.Combine(dir, "node"))
            .FirstOrDefault(File.Exists);

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(5000);
        _process.Dispose();
        File.Delete(_script);
    }
}
