using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace ActorNet.Tests.Support;

/// <summary>
/// Node's own TLS server (<c>tls.createServer</c>) echoing with <c>socket.pipe(socket)</c>, started by a test from a
/// certificate written as PEM to a temporary directory; killed and cleaned up on dispose. It listens on 127.0.0.1 behind a
/// TCP proxy (in the same script) that holds back the client's FIN until Node's TLS socket has ended: so a
/// <c>LOG end</c> line proves the client's close_notify, not just its FIN. It prints <c>LOG secure</c>, <c>LOG end</c>,
/// <c>LOG fin</c>, <c>LOG close</c>, and <c>LOG error CODE</c> on any error.
/// </summary>
internal sealed class NodeTlsServer : IDisposable
{
    private readonly Process _process;
    private readonly OutputLines _lines = new("node");
    private readonly string _directory;

    private NodeTlsServer(Process process, string directory)
    {
        _process = process;
        _directory = directory;
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

    /// <summary>Everything Node printed so far.</summary>
    public string Output => _lines.ToString();

    /// <summary>
    /// Starts node serving <paramref name="certificate"/> (with its key); <paramref name="chain"/> are sent after it
    /// (Node's <c>cert</c> as a PEM bundle). With <paramref name="clientAuthority"/> clients must present a certificate
    /// it signed (<c>requestCert</c>, <c>rejectUnauthorized</c>, <c>ca</c>); the server prints <c>LOG peer CN</c>.
    /// </summary>
    public static NodeTlsServer Start(X509Certificate2 certificate, IEnumerable<X509Certificate2>? chain = null,
        X509Certificate2? clientAuthority = null)
    {
        var node = FindNode() ?? throw new InvalidOperationException(
            "node is not on PATH: these tests talk to Node's tls module and need Node.js installed");
        var directory = Path.Combine(Path.GetTempPath(), $"actornet-node-tls-{Guid.NewGuid():N}");
        var (certificatePath, keyPath) = TestCertificates.WritePem(certificate, directory);
        foreach (var extra in chain ?? []) File.AppendAllText(certificatePath, "\n" + extra.ExportCertificatePem() + "\n");
        var clientAuthorityPath = Path.Combine(directory, "client-ca.pem");
        if (clientAuthority is not null) File.WriteAllText(clientAuthorityPath, clientAuthority.ExportCertificatePem());
        var clientOptions = clientAuthority is null ? "" : $"requestCert: true, rejectUnauthorized: true, ca: fs.readFileSync({Js(clientAuthorityPath)}), ";
        var script = Path.Combine(directory, "server.js");
        File.WriteAllText(script, $$"""
            'use strict';
            const tls = require('tls');
            const net = require('net');
            const fs = require('fs');
            const log = (s) => console.log('LOG ' + s);
            let tlsEnded = false;
            let heldFin = null;
            const inner = tls.createServer({ {{clientOptions}}key: fs.readFileSync({{Js(keyPath)}}), cert: fs.readFileSync({{Js(certificatePath)}}) }, (socket) => {
              log('secure ' + socket.getProtocol());
              if (socket.authorized) log('peer ' + socket.getPeerCertificate().subject.CN);
              socket.on('error', (e) => log('error ' + e.code));
              socket.on('end', () => {
                log('end');
                tlsEnded = true;
                if (heldFin) heldFin();
              });
              socket.on('close', () => log('close'));
              socket.pipe(socket);
            });
            inner.on('tlsClientError', (e) => log('tlsClientError ' + e.code));
            inner.listen(0, '127.0.0.1', () => {
              const front = net.createServer({ allowHalfOpen: true }, (raw) => {
                const up = net.connect({ port: inner.address().port, host: '127.0.0.1', allowHalfOpen: true });
                raw.on('error', (e) => log('error proxy ' + e.code));
                up.on('error', (e) => log('error proxy ' + e.code));
                raw.pipe(up, { end: false });
                up.pipe(raw);
                raw.on('end', () => {
                  log('fin');
                  if (tlsEnded) up.end();
                  else heldFin = () => up.end();
                });
              });
              front.listen(0, '127.0.0.1', () => console.log('PORT ' + front.address().port));
            });
            setTimeout(() => process.exit(0), 120000).unref();
            """);
        var info = new ProcessStartInfo(node, script) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var server = new NodeTlsServer(Process.Start(info)!, directory);
        try
        {
            var port = server.WaitForLine("PORT ", TimeSpan.FromSeconds(20));
            server.EndPoint = new IPEndPoint(IPAddress.Loopback, int.Parse(port));
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return server;
    }

    /// <summary>Waits (bounded) for a stdout line starting with <paramref name="prefix"/>; returns the rest.</summary>
    public string WaitForLine(string prefix, TimeSpan timeout) => _lines.WaitForLine(prefix, timeout);

    private static string Js(string value) => JsonSerializer.Serialize(value);

    private static string? FindNode() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(dir => Path.Combine(dir, "node"))
            .FirstOrDefault(File.Exists);

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(5000);
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
