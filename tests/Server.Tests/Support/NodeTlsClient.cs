using System.Diagnostics;
using System.Text.Json;
using Xunit.Sdk;

namespace ActorNet.Tests.Support;

/// <summary>What a <see cref="NodeTlsClient"/> does once its handshake is done.</summary>
internal enum NodeTlsMode
{
    /// <summary>Writes <c>size</c> pattern bytes, checks the echo byte by byte, then <c>socket.end()</c>.</summary>
    Echo,

    /// <summary>Writes <c>size</c> pattern bytes and <c>socket.end()</c> at once; prints what the server sent before its end.</summary>
    SendAndEnd,

    /// <summary>As <see cref="Echo"/>, but after the echo asks to renegotiate (TLS 1.2) and prints <c>RENEGOTIATE result</c>.</summary>
    Renegotiate,
}

/// <summary>The options of one Node TLS client (<c>tls.connect</c>); null = Node's default.</summary>
internal sealed record NodeTlsOptions
{
    public NodeTlsMode Mode { get; init; } = NodeTlsMode.Echo;

    public int Size { get; init; } = 1024;

    public uint Seed { get; init; } = 1;

    /// <summary>The PEM CA (or self-signed certificate) the client trusts.</summary>
    public string? Ca { get; init; }

    public string ServerName { get; init; } = "localhost";

    public string? MinVersion { get; init; }

    public string? MaxVersion { get; init; }

    public string? Ciphers { get; init; }

    /// <summary>The client's own certificate and key (PEM).</summary>
    public string? Cert { get; init; }

    public string? Key { get; init; }

    /// <summary>
    /// Runs the TLS socket over a Duplex around a plain TCP socket, so that the client sees the TLS records as they
    /// come: on the server's FIN it prints <c>RECORDS</c> with the content types of the last records before it.
    /// </summary>
    public bool Raw { get; init; }
}

/// <summary>
/// A Node.js <c>tls.connect</c> client in a child process (Node's TLS stack as the interop reference). It prints
/// one line per event: <c>LOCAL port</c>, <c>SECURE protocol cipher</c>, <c>ECHOED n</c>, <c>MISMATCH offset</c>,
/// <c>TEXT json</c> (what the server sent, SendAndEnd), <c>RECORDS types</c> (raw), <c>END received</c>,
/// <c>ERROR code message</c>, <c>CLOSE hadError</c>. Killed on dispose.
/// </summary>
internal sealed class NodeTlsClient : IDisposable
{
    private static readonly Lazy<string> Script = new(WriteScript);

    private readonly Process _process;
    private readonly List<string> _lines = [];

    private NodeTlsClient(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data is null ? null : "STDERR " + e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static NodeTlsClient Start(int port, NodeTlsOptions options)
    {
        var json = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["port"] = port,
            ["mode"] = options.Mode switch { NodeTlsMode.Echo => "echo", NodeTlsMode.Renegotiate => "renegotiate", _ => "send-and-end" },
            ["size"] = options.Size,
            ["seed"] = options.Seed,
            ["ca"] = options.Ca,
            ["servername"] = options.ServerName,
            ["minVersion"] = options.MinVersion,
            ["maxVersion"] = options.MaxVersion,
            ["ciphers"] = options.Ciphers,
            ["cert"] = options.Cert,
            ["key"] = options.Key,
            ["raw"] = options.Raw,
        });
        var info = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Script.Value);
        info.ArgumentList.Add(json);
        return new NodeTlsClient(Process.Start(info) ?? throw new InvalidOperationException("node did not start"));
    }

    public string Output
    {
        get
        {
            lock (_lines) return string.Join("\n", _lines);
        }
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines) return _lines.ToList();
        }
    }

    /// <summary>The client's local port (waits for its <c>LOCAL</c> line).</summary>
    public int LocalPort(TimeSpan timeout) => int.Parse(WaitForLine("LOCAL ", timeout));

    /// <summary>Waits (bounded) for a line starting with <paramref name="prefix"/>; returns the rest; fails the test otherwise.</summary>
    public string WaitForLine(string prefix, TimeSpan timeout) =>
        TryWaitForLine(prefix, timeout) ?? throw new XunitException($"node printed no \"{prefix}\" line within {timeout.TotalSeconds:F0} s:\n{Output}");

    public string? TryWaitForLine(string prefix, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        lock (_lines)
        {
            while (true)
            {
                var line = _lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
                if (line is not null) return line[prefix.Length..];
                var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                if (left <= TimeSpan.Zero) return null;
                Monitor.Wait(_lines, left);
            }
        }
    }

    /// <summary>Waits (bounded) for the client to close and exit; returns its lines.</summary>
    public IReadOnlyList<string> WaitForClose(TimeSpan timeout)
    {
        WaitForLine("CLOSE ", timeout);
        if (!_process.WaitForExit(timeout)) throw new XunitException($"node did not exit after its close:\n{Output}");
        _process.WaitForExit(); // the output is read to its end
        return Lines;
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
        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is null) return;
        lock (_lines)
        {
            _lines.Add(line);
            Monitor.PulseAll(_lines);
        }
    }

    private static string WriteScript()
    {
        var path = Path.Combine(Path.GetTempPath(), $"actornet-node-tls-client-{Environment.ProcessId}.js");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        File.WriteAllText(path, """
            'use strict';
            const tls = require('tls'), net = require('net'), fs = require('fs');
            const { Duplex } = require('stream');
            const o = JSON.parse(process.argv[2]);
            const say = (s) => process.stdout.write(s + '\n');
            // A bounded life: a client that hangs ends by itself.
            setTimeout(() => { say('ERROR TIMEOUT client still running after 60 s'); process.exit(3); }, 60000).unref();

            // xorshift32: the same bytes for the same seed.
            function pattern(size, seed) {
              const b = Buffer.allocUnsafe(size);
              let x = (seed >>> 0) || 1;
              for (let i = 0; i < size; i++) {
                x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
                b[i] = x & 255;
              }
              return b;
            }

            const options = { host: '127.0.0.1', port: o.port, servername: o.servername };
            if (o.ca) options.ca = fs.readFileSync(o.ca);
            if (o.cert) options.cert = fs.readFileSync(o.cert);
            if (o.key) options.key = fs.readFileSync(o.key);
            if (o.minVersion) options.minVersion = o.minVersion;
            if (o.maxVersion) options.maxVersion = o.maxVersion;
            if (o.ciphers) options.ciphers = o.ciphers;

            let records = [];
            // Exit once the TLS socket is closed and, in raw mode, the TCP socket under it too (its FIN seen).
            let open = o.raw ? 2 : 1;
            const closed = () => { if (--open === 0) setImmediate(() => process.exit(0)); };
            if (o.raw) {
              // TLS over a Duplex around a TCP socket: the record headers (content type, length) are readable here.
              const tcp = net.connect(o.port, '127.0.0.1');
              let pending = Buffer.alloc(0);
              const wire = new Duplex({
                read() {},
                write(chunk, encoding, callback) { tcp.write(chunk, callback); },
                final(callback) { tcp.end(); callback(); },
              });
              tcp.on('connect', () => say('LOCAL ' + tcp.localPort));
              tcp.on('data', (d) => {
                pending = Buffer.concat([pending, d]);
                while (pending.length >= 5) {
                  const length = pending.readUInt16BE(3);
                  if (pending.length < 5 + length) break;
                  records.push(pending[0]);
                  pending = pending.subarray(5 + length);
                }
                wire.push(d);
              });
              tcp.on('end', () => {
                say('RECORDS ' + records.slice(-4).join(' ') + (pending.length ? ' partial' : ''));
                wire.push(null);
              });
              tcp.on('error', (e) => wire.destroy(e));
              tcp.on('close', closed);
              options.socket = wire;
            }

            const s = tls.connect(options);
            if (!o.raw) s.on('connect', () => say('LOCAL ' + s.localPort));
            const data = pattern(o.size, o.seed);
            let received = 0;
            const kept = [];
            s.on('secureConnect', () => {
              say('SECURE ' + s.getProtocol() + ' ' + s.getCipher().name + ' ' + s.authorized);
              s.write(data);
              if (o.mode === 'send-and-end') s.end();
            });
            s.on('data', (d) => {
              if (o.mode !== 'send-and-end') {
                for (let i = 0; i < d.length; i++) {
                  if (received + i >= data.length || d[i] !== data[received + i]) {
                    say('MISMATCH ' + (received + i));
                    s.destroy();
                    return;
                  }
                }
                received += d.length;
                if (received === data.length) {
                  say('ECHOED ' + received);
                  if (o.mode === 'renegotiate') {
                    s.renegotiate({ rejectUnauthorized: false }, (e) => say('RENEGOTIATE ' + (e ? (e.code || '-') : 'ok')));
                  } else s.end(); // close_notify, then FIN
                }
              } else {
                received += d.length;
                kept.push(d);
              }
            });
            s.on('end', () => {
              if (o.mode === 'send-and-end') say('TEXT ' + JSON.stringify(Buffer.concat(kept).toString('latin1')));
              say('END ' + received);
            });
            s.on('error', (e) => say('ERROR ' + (e.code || '-') + ' ' + String(e.message).split('\n')[0]));
            s.on('close', (hadError) => { say('CLOSE ' + hadError); closed(); });
            """);
        return path;
    }
}
