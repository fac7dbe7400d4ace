using System.Diagnostics;
using System.Text.RegularExpressions;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>
/// docs/contract.md, "TLS", black-box: the executable with <c>actornet.server.tls</c>, talked to by Node's own
/// <c>tls</c> module (the interop reference) and by .NET's SslStream. Certificates are made at test time
/// (<see cref="TlsFiles"/>). The transport subclasses run every test again on sockets and akka-io.
/// </summary>
public class TlsTests(ITestOutputHelper output, TlsFiles files) : IClassFixture<TlsFiles>
{
    /// <summary>The contract's config block; the subclasses set the transport.</summary>
    private protected virtual ServerConfig Base => ServerConfig.Default;

    private static readonly TimeSpan Short = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_node_client_gets_one_mebibyte_echoed_byte_exact_then_its_end_is_answered_with_a_clean_end(bool allowHalfOpen)
    {
        using var server = StartTls(Base.Handler("echo").AllowHalfOpen(allowHalfOpen));
        using var node = NodeTlsClient.Start(server.Port, new NodeTlsOptions { Size = 1 << 20, Seed = 11, Ca = files.Ec.Certificate });
        var lines = Closed(node);

        // The client ended (close_notify, FIN) after the whole echo; the server's echo ended too: 'end', no 'error'.
        Assert.Contains(lines, l => l.StartsWith("SECURE TLSv1.3 ", StringComparison.Ordinal) && l.EndsWith(" true", StringComparison.Ordinal));
        AssertInOrder(lines, "ECHOED 1048576", "END 1048576", "CLOSE false");
        AssertNoError(lines);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Tally_answers_a_node_client_that_ended_with_the_count_then_ends_cleanly(bool allowHalfOpen)
    {
        using var server = StartTls(Base.Handler("tally").AllowHalfOpen(allowHalfOpen));
        using var node = NodeTlsClient.Start(server.Port,
            new NodeTlsOptions { Mode = NodeTlsMode.SendAndEnd, Size = 100_000, Seed = 5, Ca = files.Ec.Certificate });
        var lines = Closed(node);

        // Node's end (close_notify, FIN) ends the server's data; tally's end callback writes the count, then ends.
        AssertInOrder(lines, "TEXT \"100000\\n\"", "END 7", "CLOSE false");
        AssertNoError(lines);
    }

    [Fact]
    public void A_node_client_asking_to_renegotiate_TLS_1_2_is_refused_and_the_server_serves_on()
    {
        using var server = StartTls(Base.Handler("echo"));
        using (var node = NodeTlsClient.Start(server.Port, new NodeTlsOptions
               { Mode = NodeTlsMode.Renegotiate, MaxVersion = "TLSv1.2", Size = 1000, Seed = 3, Ca = files.Ec.Certificate }))
        {
            // The server answers the new ClientHello with a no_renegotiation alert, which Node takes as fatal.
            var refused = Closed(node);
            var echoed = refused.ToList().IndexOf("ECHOED 1000");
            Assert.True(echoed >= 0, string.Join("\n", refused));
            Assert.Contains(refused.Skip(echoed), l => l.StartsWith("ERROR ERR_SSL_NO_RENEGOTIATION ", StringComparison.Ordinal));
        }
        using var next = NodeTlsClient.Start(server.Port, new NodeTlsOptions { Size = 1000, Seed = 4, Ca = files.Ec.Certificate });
        var lines = Closed(next);
        AssertInOrder(lines, "ECHOED 1000", "END 1000", "CLOSE false");
        AssertNoError(lines);
    }

    [Theory]
    [InlineData("TLSv1.2", "ec")]
    [InlineData("TLSv1.3", "ec")]
    [InlineData("TLSv1.2", "rsa")]
    [InlineData("TLSv1.3", "rsa")]
    public void A_node_client_limited_to_one_version_is_served_and_the_servers_end_is_close_notify_then_fin(string version, string key)
    {
        var pair = key == "rsa" ? files.Rsa : files.Ec;
        using var server = StartTls(Base.Handler("echo"), pair);
        using var node = NodeTlsClient.Start(server.Port, new NodeTlsOptions
        {
            Size = 64 * 1024, Seed = 3, Ca = pair.Certificate, MinVersion = version, MaxVersion = version, Raw = true,
        });
        var lines = Closed(node);

        Assert.Contains(lines, l => l.StartsWith($"SECURE {version} ", StringComparison.Ordinal) && l.EndsWith(" true", StringComparison.Ordinal));
        AssertInOrder(lines, "ECHOED 65536", "END 65536", "CLOSE false");
        AssertNoError(lines);
        var records = node.WaitForLine("RECORDS ", Short); // printed at the server's FIN, before the node process exits
        Assert.DoesNotContain("partial", records);
        // TLS 1.2 shows alert records as such (type 21): the last record before the server's FIN is its close_notify.
        // TLS 1.3 hides every record type behind 23, so there only the clean end above tells.
        if (version == "TLSv1.2") Assert.EndsWith(" 21", " " + records);
    }

    [Fact]
    public void A_TLS_1_1_client_fails_its_handshake_with_one_info_line_and_the_server_keeps_serving()
    {
        using var server = StartTls(Base.Handler("echo"));
        int port;
        using (var old = NodeTlsClient.Start(server.Port, new NodeTlsOptions
               {
                   Ca = files.Ec.Certificate, MinVersion = "TLSv1", MaxVersion = "TLSv1.1", Ciphers = "DEFAULT@SECLEVEL=0",
               }))
        {
            var lines = Closed(old);
            port = old.LocalPort(Short);
            Assert.DoesNotContain(lines, l => l.StartsWith("SECURE ", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("ERROR ", StringComparison.Ordinal));
        }
        // The reason is OpenSSL's own ("unsupported protocol"), not only "see inner exception".
        Assert.Contains("protocol", WaitForFailureLine(server, port));

        AssertServes(server);
        AssertOneInfoFailureLine(server, port);
    }

    [Fact]
    public async Task A_plaintext_client_and_a_garbage_client_fail_alone_with_one_info_line_each()
    {
        using var server = StartTls(Base.Handler("echo"));
        await using var live = await SslClient.ConnectAsync(server.Port, files.Ec.Loaded);
        Assert.Equal("before\n", await live.EchoAsync("before\n"));

        var plaintext = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"u8.ToArray();
        var garbage = new byte[512];
        new Random(20261206).NextBytes(garbage);
        var ports = new List<int>();
        foreach (var (what, bytes) in new[] { ("plaintext", plaintext), ("garbage", garbage) })
        {
            using var client = Client.Connect(server.Port);
            ports.Add(client.LocalPort);
            client.Send(bytes);
            // Closed by the server (an alert, FIN or reset): never an echo, never left open.
            var outcome = client.ReadToEnd(Short);
            output.WriteLine($"{what} client: {outcome}");
            Assert.True(outcome.End is End.Fin or End.Reset, $"the {what} client was not closed: {outcome}");
            Assert.False(outcome.Data.AsSpan().IndexOf(bytes.AsSpan(0, 16)) >= 0, $"the {what} client got its bytes back");
            WaitForFailureLine(server, client.LocalPort);
        }

        // The connection that was open all along still works, and new clients are served.
        Assert.Equal("after\n", await live.EchoAsync("after\n"));
        AssertServes(server);
        foreach (var port in ports) AssertOneInfoFailureLine(server, port);
        Assert.DoesNotMatch(@"(?m)^\[[^\]]* (WRN|ERR)\]", server.Output);
    }

    [Fact]
    public void A_client_that_sends_nothing_is_closed_at_the_handshake_timeout()
    {
        // Long enough for the next client's own handshake (a node process) on a busy machine.
        using var server = StartTls(Base.Handler("echo").With("tls.handshake-timeout", "2s"));
        using var silent = Client.Connect(server.Port);
        var outcome = silent.ReadToEnd(Short);
        output.WriteLine($"silent client: {outcome}");
        Assert.True(outcome.End is End.Fin or End.Reset, $"the silent client was not closed: {outcome}");
        Assert.Empty(outcome.Data);
        Assert.InRange(outcome.Elapsed, TimeSpan.FromMilliseconds(1900), TimeSpan.FromSeconds(8));
        var line = WaitForFailureLine(server, silent.LocalPort);
        Assert.Contains("2 s", line);
        AssertServes(server);
    }

    [Fact]
    public void With_client_certificate_required_only_a_client_whose_certificate_chains_to_the_ca_is_served()
    {
        using var server = StartTls(Base.Handler("echo")
            .With("tls.client-certificate", "required")
            .With("tls.ca", Quote(files.ClientCa)));

        using (var alice = NodeTlsClient.Start(server.Port, new NodeTlsOptions
               {
                   Ca = files.Ec.Certificate, Cert = files.Client.Certificate, Key = files.Client.Key, Size = 4096,
               }))
        {
            var lines = Closed(alice);
            AssertInOrder(lines, "ECHOED 4096", "END 4096", "CLOSE false");
            AssertNoError(lines);
        }

        foreach (var (what, cert, key) in new[] { ("no certificate", (string?)null, (string?)null), ("another CA's certificate", files.Stranger.Certificate, files.Stranger.Key) })
        {
            using var refused = NodeTlsClient.Start(server.Port, new NodeTlsOptions { Ca = files.Ec.Certificate, Cert = cert, Key = key, Size = 4096 });
            var lines = Closed(refused);
            output.WriteLine($"{what}: {string.Join(" | ", lines)}");
            Assert.DoesNotContain(lines, l => l.StartsWith("ECHOED", StringComparison.Ordinal));
            WaitForFailureLine(server, refused.LocalPort(Short));
        }
        AssertServes(server, client: files.Client);
    }

    [Fact]
    public async Task SIGTERM_drains_a_live_TLS_client_that_still_echoes_and_the_server_exits_zero_after_its_end()
    {
        using var server = StartTls(Base.Handler("echo").DrainTimeout("30s"));
        await using var client = await SslClient.ConnectAsync(server.Port, files.Ec.Loaded);
        Assert.Equal("before\n", await client.EchoAsync("before\n"));

        var signalled = Stopwatch.GetTimestamp();
        server.Signal(ServerProcess.SIGTERM);
        Wait.UntilRefused(server.Port, TimeSpan.FromSeconds(5), signalled);

        Assert.Equal("during the drain\n", await client.EchoAsync("during the drain\n"));
        var pattern = new Pattern(31).Bytes(0, 256 * 1024);
        var reading = client.ReadExactlyAsync(pattern.Length);
        await client.Ssl.WriteAsync(pattern).AsTask().WaitAsync(Long);
        Assert.Equal(pattern, await reading);
        Assert.False(server.HasExited, "the server must not exit while a TLS connection is open");

        await client.EndAsync();
        Assert.Empty(await client.ReadToEndAsync());
        Draining.AssertExitsZero(server, TimeSpan.FromSeconds(5));
    }

    // ---- helpers ----

    private ServerProcess StartTls(ServerConfig config, PemPair? pair = null)
    {
        pair ??= files.Ec;
        return ServerProcess.StartReady(config.With("tls.certificate", Quote(pair.Certificate)).With("tls.key", Quote(pair.Key)), output);
    }

    internal static string Quote(string path) => "\"" + path + "\"";

    private IReadOnlyList<string> Closed(NodeTlsClient node)
    {
        try
        {
            var lines = node.WaitForClose(Long);
            output.WriteLine("node: " + string.Join(" | ", lines));
            return lines;
        }
        catch
        {
            output.WriteLine("node: " + node.Output);
            throw;
        }
    }

    /// <summary>A fresh Node client (the server's own certificate as its CA) gets 4 KiB echoed and ends cleanly.</summary>
    private void AssertServes(ServerProcess server, PemPair? client = null)
    {
        using var node = NodeTlsClient.Start(server.Port,
            new NodeTlsOptions { Ca = files.Ec.Certificate, Size = 4096, Seed = 99, Cert = client?.Certificate, Key = client?.Key });
        var lines = Closed(node);
        AssertInOrder(lines, "ECHOED 4096", "END 4096", "CLOSE false");
        AssertNoError(lines);
        Assert.False(server.HasExited);
    }

    internal static void AssertInOrder(IReadOnlyList<string> lines, params string[] expected)
    {
        var at = -1;
        foreach (var line in expected)
        {
            var i = lines.ToList().FindIndex(at + 1, l => l == line);
            Assert.True(i > at, $"expected \"{line}\" after line {at} in:\n{string.Join("\n", lines)}");
            at = i;
        }
    }

    internal static void AssertNoError(IReadOnlyList<string> lines) =>
        Assert.DoesNotContain(lines, l => l.StartsWith("ERROR", StringComparison.Ordinal) || l.StartsWith("MISMATCH", StringComparison.Ordinal)
            || l.StartsWith("STDERR", StringComparison.Ordinal));

    private static Regex FailureLine(int port) => new($@"(?m)^.*TLS handshake failed from \S*:{port}: .*$");

    /// <summary>Waits (bounded) for the server's log line about the failed handshake of the client on <paramref name="port"/>.</summary>
    private static string WaitForFailureLine(ServerProcess server, int port)
    {
        var pattern = FailureLine(port);
        var start = Stopwatch.GetTimestamp();
        while (true)
        {
            var match = pattern.Match(server.Output);
            if (match.Success) return match.Value;
            if (Wait.Since(start) > Short)
                throw new Xunit.Sdk.XunitException($"no \"TLS handshake failed\" line for port {port}; output:\n{server.Output}");
            server.WaitForOutput($":{port}: ", TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Exactly one line for the failed handshake from <paramref name="port"/>, at Info level.</summary>
    private static void AssertOneInfoFailureLine(ServerProcess server, int port)
    {
        var lines = FailureLine(port).Matches(server.Output).Select(m => m.Value).ToList();
        Assert.True(lines.Count == 1, $"expected one failure line for port {port}, got {lines.Count}:\n{server.Output}");
        Assert.Matches(@"^\[[^\]]* INF\] TLS handshake failed from \S+: \S", lines[0]);
    }
}

/// <summary><see cref="TlsTests"/> on <c>transport = sockets</c>.</summary>
public sealed class TlsTestsOnSocketsEngine(ITestOutputHelper output, TlsFiles files) : TlsTests(output, files)
{
    private protected override ServerConfig Base => SocketsEngine.Config;
}

/// <summary><see cref="TlsTests"/> on <c>transport = akka-io</c>.</summary>
public sealed class TlsTestsOnAkkaIo(ITestOutputHelper output, TlsFiles files) : TlsTests(output, files)
{
    private protected override ServerConfig Base => AkkaIo.Config;
}

/// <summary>
/// docs/contract.md, "TLS": the certificate files (PEM chain, .pfx with a password, encrypted PEM key) and the
/// configuration errors, which exit 2 with a line on stderr naming the key. Independent of the transport.
/// </summary>
public sealed class TlsConfigTests(ITestOutputHelper output, TlsFiles files) : IClassFixture<TlsFiles>
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    public static TheoryData<string> Sources() => ["pfx", "encrypted-pem", "chain"];

    [Theory]
    [MemberData(nameof(Sources))]
    public void The_certificate_can_be_a_pfx_with_a_password_an_encrypted_pem_key_or_a_pem_chain(string source)
    {
        var (config, ca) = source switch
        {
            "pfx" => (ServerConfig.Default.With("tls.certificate", TlsTests.Quote(files.Pfx)).With("tls.password", TlsTests.Quote(TlsFiles.PfxPassword)),
                files.Ec.Certificate),
            "encrypted-pem" => (ServerConfig.Default.With("tls.certificate", TlsTests.Quote(files.Ec.Certificate))
                .With("tls.key", TlsTests.Quote(files.EncryptedKey)).With("tls.password", TlsTests.Quote(TlsFiles.PemPassword)), files.Ec.Certificate),
            // The client trusts only the root: the server must send the intermediate from its certificate file.
            _ => (ServerConfig.Default.With("tls.certificate", TlsTests.Quote(files.Chain.Certificate)).With("tls.key", TlsTests.Quote(files.Chain.Key)),
                files.ChainRoot),
        };
        using var server = ServerProcess.StartReady(config, output);
        using var node = NodeTlsClient.Start(server.Port, new NodeTlsOptions { Ca = ca, Size = 64 * 1024, Seed = 17 });
        var lines = node.WaitForClose(Long);
        output.WriteLine("node: " + string.Join(" | ", lines));
        Assert.Contains(lines, l => l.StartsWith("SECURE ", StringComparison.Ordinal) && l.EndsWith(" true", StringComparison.Ordinal));
        TlsTests.AssertInOrder(lines, "ECHOED 65536", "END 65536", "CLOSE false");
        TlsTests.AssertNoError(lines);
    }

    public static TheoryData<string, string> Errors() => new()
    {
        { "certificate file missing", "tls.certificate" },
        { "key missing with a PEM certificate", "tls.key" },
        { "key file missing", "tls.key" },
        { "key file not a key", "tls.key" },
        { "key path a folder", "tls.key" },
        { "key file unreadable", "tls.key" },
        { "certificate file unreadable", "tls.certificate" },
        { "key of another certificate", "tls.key" },
        { "certificate file not a certificate", "tls.certificate" },
        { "wrong pfx password", "tls.certificate" },
        { "wrong password of an encrypted PEM key", "tls.key" },
        { "client-certificate required without ca", "tls.ca" },
        { "ca file missing", "tls.ca" },
        { "handshake-timeout 0s", "tls.handshake-timeout" },
        { "client-certificate sometimes", "tls.client-certificate" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void A_bad_tls_setting_exits_2_with_a_stderr_line_naming_the_key(string what, string key)
    {
        var missing = Path.Combine(files.Directory, "missing.pem");
        var unreadableKey = Unreadable(files.Ec.Key);
        var unreadableCertificate = Unreadable(files.Ec.Certificate);
        var ec = new[] { $"actornet.server.tls.certificate={files.Ec.Certificate}", $"actornet.server.tls.key={files.Ec.Key}" };
        string[] settings = what switch
        {
            "certificate file missing" => [$"actornet.server.tls.certificate={missing}", $"actornet.server.tls.key={files.Ec.Key}"],
            "key missing with a PEM certificate" => [$"actornet.server.tls.certificate={files.Ec.Certificate}"],
            "key file missing" => [$"actornet.server.tls.certificate={files.Ec.Certificate}", $"actornet.server.tls.key={missing}"],
            "key file not a key" => [$"actornet.server.tls.certificate={files.Ec.Certificate}", $"actornet.server.tls.key={files.NotAKey}"],
            "key path a folder" => [$"actornet.server.tls.certificate={files.Ec.Certificate}", $"actornet.server.tls.key={files.Directory}"],
            "key file unreadable" => [$"actornet.server.tls.certificate={files.Ec.Certificate}", $"actornet.server.tls.key={unreadableKey}"],
            "certificate file unreadable" => [$"actornet.server.tls.certificate={unreadableCertificate}", $"actornet.server.tls.key={files.Ec.Key}"],
            "key of another certificate" => [$"actornet.server.tls.certificate={files.Ec.Certificate}", $"actornet.server.tls.key={files.Rsa.Key}"],
            "certificate file not a certificate" => [$"actornet.server.tls.certificate={files.NotAKey}", $"actornet.server.tls.key={files.Ec.Key}"],
            "wrong pfx password" => [$"actornet.server.tls.certificate={files.Pfx}", "actornet.server.tls.password=wrong"],
            "wrong password of an encrypted PEM key" =>
                [$"actornet.server.tls.certificate={files.Ec.Certificate}", $"actornet.server.tls.key={files.EncryptedKey}", "actornet.server.tls.password=wrong"],
            "client-certificate required without ca" => [.. ec, "actornet.server.tls.client-certificate=required"],
            "ca file missing" => [.. ec, "actornet.server.tls.client-certificate=required", $"actornet.server.tls.ca={missing}"],
            "handshake-timeout 0s" => [.. ec, "actornet.server.tls.handshake-timeout=0s"],
            "client-certificate sometimes" => [.. ec, "actornet.server.tls.client-certificate=sometimes"],
            _ => throw new ArgumentOutOfRangeException(nameof(what)),
        };
        var (code, stdout, stderr) = RunToExit([$"actornet.server.port={ServerProcess.FreePort()}", "actornet.server.host=127.0.0.1", .. settings]);
        output.WriteLine($"exit {code}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Equal(2, code);
        Assert.Matches($@"(?m)^.*actornet\.server\.{Regex.Escape(key)}\b.*$", stderr);
        Assert.DoesNotContain("Listening on", stdout + stderr);
    }

    // A copy of the file that its owner cannot read (mode 000). These tests run the executable on Linux only.
    private string Unreadable(string file)
    {
        var copy = Path.Combine(files.Directory, "unreadable-" + Path.GetFileName(file));
        if (!File.Exists(copy))
        {
            File.Copy(file, copy);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(copy, UnixFileMode.None);
        }
        return copy;
    }

    // Runs the executable to its exit (bounded) with stdout and stderr apart. As root, which reads any file whatever
    // its mode, it runs as nobody (setpriv), so that a mode-000 file is unreadable to it.
    private static (int Code, string Stdout, string Stderr) RunToExit(string[] args)
    {
        var info = new ProcessStartInfo(Environment.IsPrivilegedProcess ? "setpriv" : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (Environment.IsPrivilegedProcess)
        {
            foreach (var arg in new[] { "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", "dotnet" }) info.ArgumentList.Add(arg);
            info.Environment["DOTNET_CLI_HOME"] = Path.GetTempPath();
            info.Environment["HOME"] = Path.GetTempPath();
        }
        info.ArgumentList.Add(ServerProcess.ServerDll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Long))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
            throw new Xunit.Sdk.XunitException($"the server did not exit within {Long}; stdout:\n{stdout.Result}\nstderr:\n{stderr.Result}");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
