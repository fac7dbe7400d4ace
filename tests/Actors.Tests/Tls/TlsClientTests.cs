using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Akka.Actor;
using Akka.TestKit;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Tests.Support;
using ActorNet.Transport;
using ActorNet.Transport.Tls;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests.Tls;

/// <summary>
/// Client sockets with TLS (<see cref="ConnectOptions.Tls"/>, Node's <c>tls.connect</c>) over real loopback sockets:
/// against ActorNet's TLS server, Node's TLS server, and plaintext servers; failures compared with what Node's own
/// <c>tls.connect</c> reports against the very same server.
/// </summary>
public sealed class TlsClientTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly X509Certificate2 Ec = TestCertificates.SelfSigned();
    private static readonly X509Certificate2 Ca = LongLivedAuthority("ActorNet Client Test CA");

    private readonly ITestOutputHelper _output = output;

    public static TheoryData<string, SslProtocols> TransportsAndProtocols()
    {
        var data = new TheoryData<string, SslProtocols>();
        foreach (var transport in Transports)
        {
            data.Add(transport, SslProtocols.Tls12);
            data.Add(transport, SslProtocols.Tls13);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(TransportsAndProtocols))]
    public async Task Echoes_1_MiB_then_End_sends_close_notify_and_FIN_and_the_server_sees_a_clean_end(string transport, SslProtocols protocol)
    {
        var server = CreateTestProbe();
        var (_, endPoint) = Listen(TlsServer(transport, Ec), () => new ServerSide(server.Ref));
        var client = CreateTestProbe();
        var socket = await Connect(To(endPoint, Trusting(Ec) with { Protocols = protocol }), client);
        var serverTls = server.ExpectMsg<ServerConnected>(Wait).Tls;
        Assert.Equal(ProtocolName(protocol), serverTls?.Protocol);

        var payload = Loopback.Pattern(1024 * 1024, seed: 5);
        socket.Tell(new SocketProtocol.Write(payload));
        Assert.Equal(payload, ReadExactly(client, payload.Length));

        socket.Tell(SocketProtocol.End.Instance);
        server.ExpectMsg("server-end", Wait);
        server.ExpectMsg<ServerClosed>(c => Assert.False(c.HadError), Wait);
        client.ExpectMsg<SocketProtocol.Ended>(Wait);
        client.ExpectMsg<SocketProtocol.Closed>(c => Assert.False(c.HadError), Wait);
    }

    [Theory]
    [InlineData(SslProtocols.Tls12, "TLSv1.2")]
    [InlineData(SslProtocols.Tls13, "TLSv1.3")]
    [InlineData(SslProtocols.Tls12 | SslProtocols.Tls13, "TLSv1.3")]
    public async Task The_socket_tells_what_the_handshake_negotiated(SslProtocols protocols, string expected)
    {
        var server = CreateTestProbe();
        var (_, endPoint) = Listen(TlsServer("sockets", Ec), () => new ServerSide(server.Ref));
        var client = CreateTestProbe();
        var socket = await Connect(To(endPoint, Trusting(Ec) with { Protocols = protocols }), client);
        socket.Tell(SocketProtocol.GetInfo.Instance, client.Ref);
        var tls = client.ExpectMsg<SocketProtocol.SocketInfo>(Wait).Tls;
        Assert.NotNull(tls);
        Assert.Equal(expected, tls.Protocol);
        Assert.StartsWith("TLS_", tls.Cipher);
        Assert.Equal("localhost", tls.ServerName);
        Assert.Equal(Ec.GetCertHashString(), tls.PeerCertificate?.GetCertHashString());
        // The SNI name reached the server.
        Assert.Equal("localhost", server.ExpectMsg<ServerConnected>(Wait).Tls?.ServerName);
    }

    [Fact]
    public async Task Without_a_server_name_an_IP_host_sends_no_SNI_and_must_be_in_the_certificate()
    {
        var server = CreateTestProbe();
        var (_, endPoint) = Listen(TlsServer("sockets", Ec), () => new ServerSide(server.Ref));
        var client = CreateTestProbe();
        var socket = await Connect(To(endPoint, new TlsClientOptions { CertificateAuthorities = [Ec] }), client);
        Assert.Null(server.ExpectMsg<ServerConnected>(Wait).Tls?.ServerName);
        socket.Tell(new SocketProtocol.Write("ip"u8.ToArray()));
        Assert.Equal("ip"u8.ToArray(), ReadExactly(client, 2));
    }

    [Fact]
    public async Task Without_a_server_name_a_host_name_is_the_SNI_name()
    {
        var server = CreateTestProbe();
        var (_, endPoint) = Listen(TlsServer("sockets", Ec), () => new ServerSide(server.Ref));
        var client = CreateTestProbe();
        var options = new ConnectOptions { Host = "localhost", Port = PortOf(endPoint), Tls = new TlsClientOptions { CertificateAuthorities = [Ec] } };
        await Connect(options, client);
        Assert.Equal("localhost", server.ExpectMsg<ServerConnected>(Wait).Tls?.ServerName);
    }

    // ---- refused certificates and failed handshakes, checked against Node's tls.connect ------------------------------

    public static TheoryData<string> Refusals() => new(
        "self-signed", "other-ca", "expired", "not-yet-valid", "wrong-name", "wrong-ip", "wrong-common-name",
        "plaintext-echo", "plaintext-http", "plaintext-closes", "chain-with-untrusted-root", "no-client-certificate");

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_refused_certificate_or_failed_handshake_fails_the_connect_with_nodes_code(string scenario)
    {
        using var setup = Scenario(scenario);
        var client = CreateTestProbe();
        var socket = Net.Connect(Sys, To(setup.EndPoint, setup.Ours), new ForwardingHandler(client.Ref));
        client.Watch(socket);
        var error = client.ExpectMsg<SocketProtocol.ErrorOccurred>(Wait).Error;
        client.ExpectMsg<SocketProtocol.Closed>(c => Assert.True(c.HadError), Wait);
        client.ExpectTerminated(socket, Wait);
        _output.WriteLine($"ActorNet: {error}");

        var node = NodeConnectError(setup.EndPoint, setup.NodeServerName, setup.NodeCa, setup.NodeMaxVersion);
        _output.WriteLine($"Node:     {node.Code}: {node.Message}");
        Assert.Equal(setup.ExpectedCode, error.Code);
        Assert.Equal(node.Code, error.Code);
        if (setup.ExpectedMessage is { } message) Assert.Equal(message, error.Message);
        if (!error.Code.StartsWith("ERR_SSL_", StringComparison.Ordinal)) Assert.Equal(node.Message, error.Message);
        Assert.Null(error.Syscall); // Node's TLS errors have none
    }

    [Fact]
    public async Task The_task_of_ConnectAsync_faults_with_the_NetException()
    {
        var (_, endPoint) = Listen(TlsServer("sockets", Ec));
        var connecting = Net.ConnectAsync(Sys, To(endPoint, new TlsClientOptions { ServerName = "localhost" }), new ForwardingHandler(CreateTestProbe().Ref));
        var e = await Assert.ThrowsAsync<NetException>(() => connecting.WaitAsync(Wait));
        Assert.Equal("DEPTH_ZERO_SELF_SIGNED_CERT", e.Error.Code);
        Assert.Equal("DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate", e.Error.ToString());
    }

    [Fact]
    public async Task RejectUnauthorized_false_connects_to_an_untrusted_certificate_for_another_name()
    {
        var (_, endPoint) = Listen(TlsServer("sockets", TestCertificates.SelfSigned("elsewhere.example")));
        var client = CreateTestProbe();
        var socket = await Connect(To(endPoint, new TlsClientOptions { ServerName = "localhost", RejectUnauthorized = false }), client);
        socket.Tell(new SocketProtocol.Write("anyway"u8.ToArray()));
        Assert.Equal("anyway"u8.ToArray(), ReadExactly(client, 6));
    }

    // ---- client certificates -------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task A_client_certificate_is_sent_to_a_server_that_requires_one(SslProtocols protocol)
    {
        var authority = TestCertificates.Authority();
        var server = CreateTestProbe();
        var (_, endPoint) = Listen(RequiringClientCertificates(authority), () => new ServerSide(server.Ref));
        var client = CreateTestProbe();
        var tls = Trusting(Ec) with { ClientCertificate = TestCertificates.ClientSignedBy(authority, "alice"), Protocols = protocol };
        var socket = await Connect(To(endPoint, tls), client);
        Assert.Equal("CN=alice", server.ExpectMsg<ServerConnected>(Wait).Tls?.PeerCertificate?.Subject);
        socket.Tell(new SocketProtocol.Write("mutual"u8.ToArray()));
        Assert.Equal("mutual"u8.ToArray(), ReadExactly(client, 6));
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public void Without_a_client_certificate_the_servers_refusal_closes_the_socket_with_an_error(SslProtocols protocol)
    {
        // ActorNet's server (SslStream) judges the client's certificate once its handshake is done, and then closes:
        // the client may already count as connected (in TLS 1.3 it always does, in Node too). Either way: an error,
        // a close, and never data.
        var (_, endPoint) = Listen(RequiringClientCertificates(TestCertificates.Authority()));
        var client = CreateTestProbe();
        var socket = Net.Connect(Sys, To(endPoint, Trusting(Ec) with { Protocols = protocol }), new ForwardingHandler(client.Ref));
        socket.Tell(new SocketProtocol.Write("refused?"u8.ToArray()));
        var first = client.ReceiveOne(Wait);
        if (first is SocketProtocol.Connected) first = client.ReceiveOne(Wait);
        var error = Assert.IsType<SocketProtocol.ErrorOccurred>(first).Error;
        _output.WriteLine(error.ToString());
        client.ExpectMsg<SocketProtocol.Closed>(c => Assert.True(c.HadError), Wait);
    }

    [Theory]
    [InlineData(SslProtocols.Tls12, "TLSv1.2")]
    [InlineData(SslProtocols.Tls13, "TLSv1.3")]
    public async Task Nodes_tls_server_that_requires_a_client_certificate_accepts_ours(SslProtocols protocol, string name)
    {
        var authority = TestCertificates.Authority();
        using var node = NodeTlsServer.Start(Ec, clientAuthority: authority);
        var client = CreateTestProbe();
        var tls = Trusting(Ec) with { ClientCertificate = TestCertificates.ClientSignedBy(authority, "bob"), Protocols = protocol };
        var socket = await Connect(To(node.EndPoint, tls), client);
        Assert.Equal(name, node.WaitForLine("LOG secure ", Wait));
        Assert.Equal("bob", node.WaitForLine("LOG peer ", Wait));
        socket.Tell(new SocketProtocol.Write("mutual"u8.ToArray()));
        Assert.Equal("mutual"u8.ToArray(), ReadExactly(client, 6));
    }

    // ---- timeout, cancel, options -------------------------------------------------------------------------------------

    [Fact]
    public void The_connect_timeout_covers_the_handshake_ETIMEDOUT_and_the_connection_is_closed()
    {
        using var silent = new PlainServer(PlainServer.Silent);
        var client = CreateTestProbe();
        var options = To(silent.EndPoint, Trusting(Ec)) with { ConnectTimeout = TimeSpan.FromMilliseconds(400) };
        var started = Stopwatch.StartNew();
        Net.Connect(Sys, options, new ForwardingHandler(client.Ref));
        var error = client.ExpectMsg<SocketProtocol.ErrorOccurred>(Wait).Error;
        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(350), TimeSpan.FromSeconds(5));
        Assert.Equal("ETIMEDOUT", error.Code);
        Assert.Equal("127.0.0.1", error.Address);
        Assert.Equal(silent.EndPoint.Port, error.Port);
        client.ExpectMsg<SocketProtocol.Closed>(c => Assert.True(c.HadError), Wait);
        Assert.True(silent.ClientGone.Wait(Wait), "the connection was left open");
    }

    [Fact]
    public void Destroy_during_the_handshake_cancels_it_and_closes_the_connection()
    {
        using var silent = new PlainServer(PlainServer.Silent);
        var client = CreateTestProbe();
        var socket = Net.Connect(Sys, To(silent.EndPoint, Trusting(Ec)), new ForwardingHandler(client.Ref));
        client.Watch(socket);
        Assert.True(silent.ClientHello.Wait(Wait), "no ClientHello arrived");
        socket.Tell(SocketProtocol.Destroy.Instance);
        client.ExpectMsg<SocketProtocol.Closed>(c => Assert.False(c.HadError), Wait);
        client.ExpectTerminated(socket, Wait);
        Assert.True(silent.ClientGone.Wait(Wait), "the connection was left open");
        client.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    public static TheoryData<string, TlsClientOptions> BadOptions() => new()
    {
        { "ConnectOptions.Tls.ServerName", new TlsClientOptions { ServerName = "" } },
        { "ConnectOptions.Tls.ServerName", new TlsClientOptions { ServerName = "two words" } },
        { "ConnectOptions.Tls.CertificateAuthorities", new TlsClientOptions { CertificateAuthorities = [] } },
        { "ConnectOptions.Tls.ClientCertificate", new TlsClientOptions { ClientCertificate = X509CertificateLoader.LoadCertificate(Ec.RawData) } },
#pragma warning disable SYSLIB0039 // the point: TLS 1.1 is refused
        { "ConnectOptions.Tls.Protocols", new TlsClientOptions { Protocols = SslProtocols.Tls11 | SslProtocols.Tls12 } },
#pragma warning restore SYSLIB0039
        { "ConnectOptions.Tls.Protocols", new TlsClientOptions { Protocols = SslProtocols.None } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_TLS_options_throw_on_the_callers_thread_naming_the_option(string name, TlsClientOptions tls)
    {
        var options = new ConnectOptions { Host = "127.0.0.1", Port = 9, Tls = tls };
        var e = Assert.Throws<ArgumentException>(() => Net.Connect(Sys, options, new ForwardingHandler(TestActor)));
        Assert.StartsWith(name + ":", e.Message);
        Assert.Throws<ArgumentException>(() => { _ = Net.ConnectAsync(Sys, options, new ForwardingHandler(TestActor)); });
    }

    // ---- Node's TLS server as the peer ---------------------------------------------------------------------------------

    [Theory]
    [InlineData(SslProtocols.Tls12, "TLSv1.2")]
    [InlineData(SslProtocols.Tls13, "TLSv1.3")]
    public async Task Interop_with_nodes_tls_server_echoes_1_MiB_and_End_sends_close_notify(SslProtocols protocol, string name)
    {
        using var node = NodeTlsServer.Start(Ec);
        var client = CreateTestProbe();
        var socket = await Connect(To(node.EndPoint, Trusting(Ec) with { Protocols = protocol }), client);
        Assert.Equal(name, node.WaitForLine("LOG secure ", Wait));

        var payload = Loopback.Pattern(1024 * 1024, seed: 9);
        socket.Tell(new SocketProtocol.Write(payload));
        Assert.Equal(payload, ReadExactly(client, payload.Length));

        socket.Tell(SocketProtocol.End.Instance);
        // Node's socket ended while the proxy still held our FIN back: that end was our close_notify.
        node.WaitForLine("LOG end", Wait);
        client.ExpectMsg<SocketProtocol.Ended>(Wait); // Node's close_notify and FIN after its echo ended
        client.ExpectMsg<SocketProtocol.Closed>(c => Assert.False(c.HadError), Wait);
        node.WaitForLine("LOG close", Wait);
        Assert.DoesNotContain("LOG error", node.Output);
        Assert.DoesNotContain("tlsClientError", node.Output);
    }

    // ---- scenarios -------------------------------------------------------------------------------------------------------

    private sealed record Setup(EndPoint EndPoint, TlsClientOptions Ours, string ExpectedCode, string? ExpectedMessage,
        string? NodeServerName, X509Certificate2? NodeCa, string? NodeMaxVersion, IDisposable? Resource) : IDisposable
    {
        public void Dispose() => Resource?.Dispose();
    }

    private Setup Scenario(string scenario)
    {
        switch (scenario)
        {
            case "self-signed":
            {
                var (_, endPoint) = Listen(TlsServer("sockets", Ec));
                return new Setup(endPoint, new TlsClientOptions { ServerName = "localhost" }, "DEPTH_ZERO_SELF_SIGNED_CERT",
                    "self-signed certificate", "localhost", null, null, null);
            }
            case "other-ca":
            {
                var untrusted = LongLivedAuthority("Untrusted CA");
                var (_, endPoint) = Listen(TlsServer("sockets", ServerSignedBy(untrusted, UtcNow.AddDays(-1), UtcNow.AddDays(1))));
                return new Setup(endPoint, Trusting(Ca), "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unable to verify the first certificate",
                    "localhost", Ca, null, null);
            }
            case "expired":
            {
                var (_, endPoint) = Listen(TlsServer("sockets", ServerSignedBy(Ca, UtcNow.AddDays(-30), UtcNow.AddDays(-1))));
                return new Setup(endPoint, Trusting(Ca), "CERT_HAS_EXPIRED", "certificate has expired", "localhost", Ca, null, null);
            }
            case "not-yet-valid":
            {
                var (_, endPoint) = Listen(TlsServer("sockets", ServerSignedBy(Ca, UtcNow.AddDays(1), UtcNow.AddDays(30))));
                return new Setup(endPoint, Trusting(Ca), "CERT_NOT_YET_VALID", "certificate is not yet valid", "localhost", Ca, null, null);
            }
            case "wrong-name":
            {
                var (_, endPoint) = Listen(TlsServer("sockets", Ec));
                return new Setup(endPoint, Trusting(Ec) with { ServerName = "chat.example" }, "ERR_TLS_CERT_ALTNAME_INVALID",
                    "Hostname/IP does not match certificate's altnames: Host: chat.example. is not in the cert's altnames: DNS:localhost, IP Address:127.0.0.1",
                    "chat.example", Ec, null, null);
            }
            case "wrong-ip":
            {
                var (_, endPoint) = Listen(TlsServer("sockets", Ec));
                return new Setup(endPoint, Trusting(Ec) with { ServerName = "127.0.0.2" }, "ERR_TLS_CERT_ALTNAME_INVALID",
                    "Hostname/IP does not match certificate's altnames: IP: 127.0.0.2 is not in the cert's list: 127.0.0.1",
                    "127.0.0.2", Ec, null, null);
            }
            case "wrong-common-name":
            {
                // No subject alternative names: the common name is the only identity (Node's and OpenSSL's fallback).
                var commonNameOnly = CommonNameOnly("other.example");
                var (_, endPoint) = Listen(TlsServer("sockets", commonNameOnly));
                return new Setup(endPoint, Trusting(commonNameOnly), "ERR_TLS_CERT_ALTNAME_INVALID",
                    "Hostname/IP does not match certificate's altnames: Host: localhost. is not cert's CN: other.example",
                    "localhost", commonNameOnly, null, null);
            }
            case "plaintext-echo":
            {
                var server = new PlainServer(PlainServer.Echo);
                return new Setup(server.EndPoint, Trusting(Ec), "ERR_SSL_UNEXPECTED_MESSAGE", null, "localhost", Ec, null, server);
            }
            case "plaintext-http":
            {
                var server = new PlainServer(PlainServer.Http);
                return new Setup(server.EndPoint, Trusting(Ec), "ERR_SSL_WRONG_VERSION_NUMBER", null, "localhost", Ec, null, server);
            }
            case "plaintext-closes":
            {
                var server = new PlainServer(PlainServer.Closes);
                return new Setup(server.EndPoint, Trusting(Ec), "ECONNRESET", TlsClientHandshake.DisconnectedMessage,
                    "localhost", Ec, null, server);
            }
            case "chain-with-untrusted-root":
            {
                // The server sends its CA too (Node serves the PEM bundle as given); nobody trusts that CA.
                var untrusted = LongLivedAuthority("Untrusted Root");
                var node = NodeTlsServer.Start(ServerSignedBy(untrusted, UtcNow.AddDays(-1), UtcNow.AddDays(1)), [untrusted]);
                return new Setup(node.EndPoint, new TlsClientOptions { ServerName = "localhost" }, "SELF_SIGNED_CERT_IN_CHAIN",
                    "self-signed certificate in certificate chain", "localhost", null, null, node);
            }
            case "no-client-certificate":
            {
                // Node's server refuses within the TLS 1.2 handshake, with an alert.
                var node = NodeTlsServer.Start(Ec, clientAuthority: TestCertificates.Authority());
                return new Setup(node.EndPoint, Trusting(Ec) with { Protocols = SslProtocols.Tls12 }, "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE", null,
                    "localhost", Ec, "TLSv1.2", node);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(scenario), scenario, null);
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------------------

    private static DateTimeOffset UtcNow => DateTimeOffset.UtcNow;

    private static ServerOptions TlsServer(string transport, X509Certificate2 certificate) =>
        On(transport) with { Tls = new TlsServerOptions { Certificate = certificate } };

    private static ServerOptions RequiringClientCertificates(X509Certificate2 authority) => On("sockets") with
    {
        Tls = new TlsServerOptions { Certificate = Ec, ClientCertificate = ClientCertificateMode.Required, ClientCertificateAuthorities = [authority] },
    };

    private static TlsClientOptions Trusting(X509Certificate2 authority) =>
        new() { ServerName = "localhost", CertificateAuthorities = [authority] };

    private static ConnectOptions To(EndPoint endPoint, TlsClientOptions tls) =>
        new() { Host = "127.0.0.1", Port = ((IPEndPoint)endPoint).Port, Tls = tls };

    private static string ProtocolName(SslProtocols protocol) => protocol == SslProtocols.Tls12 ? "TLSv1.2" : "TLSv1.3";

    private async Task<IActorRef> Connect(ConnectOptions options, TestProbe client)
    {
        var socket = await Net.ConnectAsync(Sys, options, new ForwardingHandler(client.Ref)).WaitAsync(Wait);
        client.ExpectMsg<SocketProtocol.Connected>(Wait);
        return socket;
    }

    // Data until count bytes came (Drained, from the big write, may come in between).
    private static byte[] ReadExactly(TestProbe client, int count)
    {
        var received = new MemoryStream();
        while (received.Length < count)
        {
            switch (client.ReceiveOne(Wait))
            {
                case SocketProtocol.Data data:
                    received.Write(data.Bytes);
                    break;
                case SocketProtocol.Drained:
                    break;
                case var other:
                    throw new Xunit.Sdk.XunitException($"expected data after {received.Length} of {count} bytes, got {other?.ToString() ?? "nothing"}");
            }
        }
        return received.ToArray();
    }

    /// <summary>What Node's <c>tls.connect</c> reports against the same server: its error's code and message, or OK.</summary>
    private static (string Code, string Message) NodeConnectError(EndPoint endPoint, string? serverName, X509Certificate2? ca, string? maxVersion)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"actornet-node-tls-client-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            var caPath = Path.Combine(directory, "ca.pem");
            if (ca is not null) File.WriteAllText(caPath, ca.ExportCertificatePem());
            var script = Path.Combine(directory, "client.js");
            File.WriteAllText(script, """
                'use strict';
                const tls = require('tls');
                const fs = require('fs');
                const [port, servername, ca, maxVersion] = process.argv.slice(2);
                const options = { port: Number(port), host: '127.0.0.1' };
                if (servername) options.servername = servername;
                if (ca) options.ca = fs.readFileSync(ca);
                if (maxVersion) options.maxVersion = maxVersion;
                const socket = tls.connect(options);
                socket.on('secureConnect', () => {
                  // TLS 1.3 lets a server refuse after the client's handshake: wait for its verdict.
                  socket.on('close', () => console.log(JSON.stringify({ code: 'OK', message: 'connected' })));
                  socket.end();
                });
                socket.on('error', (e) => {
                  console.log(JSON.stringify({ code: e.code, message: e.message }));
                  process.exit(0);
                });
                setTimeout(() => { console.log(JSON.stringify({ code: 'TIMEOUT', message: '' })); process.exit(0); }, 10000);
                """);
            var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(script);
            info.ArgumentList.Add(((IPEndPoint)endPoint).Port.ToString());
            info.ArgumentList.Add(serverName ?? "");
            info.ArgumentList.Add(ca is null ? "" : caPath);
            info.ArgumentList.Add(maxVersion ?? "");
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(20000))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("node's tls.connect did not finish");
            }
            var line = stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()
                ?? throw new InvalidOperationException($"node printed nothing; stderr: {stderr.Result}");
            using var json = JsonDocument.Parse(line);
            return (json.RootElement.GetProperty("code").GetString()!, json.RootElement.GetProperty("message").GetString()!.TrimEnd());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static X509Certificate2 LongLivedAuthority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var created = request.CreateSelfSigned(UtcNow.AddYears(-10), UtcNow.AddYears(10));
        return Reload(created);
    }

    /// <summary>A self-signed server certificate with a common name and no subject alternative names.</summary>
    private static X509Certificate2 CommonNameOnly(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(UtcNow.AddMinutes(-5), UtcNow.AddDays(1));
        return Reload(created);
    }

    /// <summary>A server certificate for localhost and 127.0.0.1 signed by <paramref name="authority"/>, valid only in the given period.</summary>
    private static X509Certificate2 ServerSignedBy(X509Certificate2 authority, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        using var signed = request.Create(authority, notBefore, notAfter, RandomNumberGenerator.GetBytes(8));
        using var withKey = signed.CopyWithPrivateKey(key);
        return Reload(withKey);
    }

    private static X509Certificate2 Reload(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);

    private sealed record ServerConnected(TlsInfo? Tls);

    private sealed record ServerClosed(bool HadError);

    /// <summary>Echo on the server side that reports connect (with the TLS facts), end, errors and close to a probe.</summary>
    private sealed class ServerSide(IActorRef probe) : IConnectionHandler
    {
        private readonly EchoHandler _echo = new();

        public void OnConnect(ISocket socket) => probe.Tell(new ServerConnected(socket.Tls));

        public void OnData(ISocket socket, ReadOnlySpan<byte> data) => _echo.OnData(socket, data);

        public void OnDrain(ISocket socket) => _echo.OnDrain(socket);

        public void OnEnd(ISocket socket)
        {
            probe.Tell("server-end");
            _echo.OnEnd(socket);
        }

        public void OnError(ISocket socket, NetError error) => probe.Tell(error);

        public void OnClose(ISocket socket, bool hadError) => probe.Tell(new ServerClosed(hadError));
    }

    /// <summary>A plaintext TCP server on 127.0.0.1 with one behaviour per connection; stopped on dispose.</summary>
    private sealed class PlainServer : IDisposable
    {
        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly List<Socket> _accepted = [];
        private readonly Func<Socket, PlainServer, Task> _serve;

        public PlainServer(Func<Socket, PlainServer, Task> serve)
        {
            _serve = serve;
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(8);
            EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
            _ = AcceptAsync();
        }

        public IPEndPoint EndPoint { get; }

        /// <summary>Set when the first bytes (the ClientHello) arrived.</summary>
        public ManualResetEventSlim ClientHello { get; } = new();

        /// <summary>Set when the client closed or reset the connection.</summary>
        public ManualResetEventSlim ClientGone { get; } = new();

        /// <summary>Echoes what comes (the ClientHello comes back).</summary>
        public static async Task Echo(Socket socket, PlainServer server)
        {
            var buffer = new byte[16 * 1024];
            int n;
            while ((n = await socket.ReceiveAsync(buffer)) > 0)
            {
                server.ClientHello.Set();
                await socket.SendAsync(buffer.AsMemory(0, n));
            }
        }

        /// <summary>Answers like a web server to a request it cannot parse, then ends.</summary>
        public static async Task Http(Socket socket, PlainServer server)
        {
            await socket.SendAsync("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"u8.ToArray());
            socket.Shutdown(SocketShutdown.Send);
            await Drain(socket, server);
        }

        /// <summary>Ends its side at once (FIN, no reset: it keeps reading).</summary>
        public static Task Closes(Socket socket, PlainServer server)
        {
            socket.Shutdown(SocketShutdown.Send);
            return Drain(socket, server);
        }

        /// <summary>Never answers.</summary>
        public static Task Silent(Socket socket, PlainServer server) => Drain(socket, server);

        private static async Task Drain(Socket socket, PlainServer server)
        {
            var buffer = new byte[16 * 1024];
            while (await socket.ReceiveAsync(buffer) > 0) server.ClientHello.Set();
        }

        private async Task AcceptAsync()
        {
            while (true)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptAsync();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }
                lock (_accepted) _accepted.Add(socket);
                _ = ServeAsync(socket);
            }
        }

        private async Task ServeAsync(Socket socket)
        {
            try
            {
                await _serve(socket, this);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
            ClientGone.Set();
        }

        public void Dispose()
        {
            _listener.Dispose();
            lock (_accepted)
                foreach (var socket in _accepted) socket.Dispose();
        }
    }
}
