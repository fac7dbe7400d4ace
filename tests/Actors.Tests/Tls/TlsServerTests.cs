using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests.Tls;

/// <summary>A TLS server on every transport, talked to by .NET's SslStream over loopback sockets.</summary>
public sealed class TlsServerTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private static readonly X509Certificate2 Ec = TestCertificates.SelfSigned();
    private static readonly X509Certificate2 Rsa = TestCertificates.SelfSigned(rsa: true);

    private static ServerOptions Tls(string transport, X509Certificate2? certificate = null, TimeSpan? handshakeTimeout = null) =>
        On(transport) with
        {
            Tls = new TlsServerOptions { Certificate = certificate ?? Ec, HandshakeTimeout = handshakeTimeout ?? TimeSpan.FromSeconds(10) },
        };

    public static TheoryData<string, SslProtocols, bool> TransportsProtocolsAndPaths()
    {
        var data = new TheoryData<string, SslProtocols, bool>();
        foreach (var transport in Transports)
        foreach (var viaSslStream in new[] { false, true })
        {
            data.Add(transport, SslProtocols.Tls12, viaSslStream);
            data.Add(transport, SslProtocols.Tls13, viaSslStream);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(TransportsProtocolsAndPaths))]
    public async Task Echoes_1_MiB_byte_exact_and_ends_after_the_clients_close_notify(string transport, SslProtocols protocol, bool viaSslStream)
    {
        var (_, endPoint) = Listen(Tls(transport, viaSslStream));
        await using var client = await TlsClient.ConnectAsync(endPoint, Ec, protocol);
        Assert.Equal(protocol, client.Ssl.SslProtocol);
        var payload = Loopback.Pattern(1024 * 1024, seed: 7);
        var reading = client.ReadExactlyAsync(payload.Length);
        await client.Ssl.WriteAsync(payload).AsTask().WaitAsync(TimeSpan.FromSeconds(20)); // a server that stops reading fails, not hangs
        Assert.Equal(payload, await reading);

        // Our close_notify, then FIN: echo ends its side too, with close_notify (a clean end, no error).
        await client.Ssl.ShutdownAsync();
        client.Socket.Shutdown(SocketShutdown.Send);
        Assert.Empty(await client.ReadToEndAsync());
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public async Task Echoes_64_MiB_with_an_RSA_certificate(string transport)
    {
        var (_, endPoint) = Listen(Tls(transport, Rsa));
        await using var client = await TlsClient.ConnectAsync(endPoint, Rsa);
        var chunk = Loopback.Pattern(1024 * 1024, seed: 3);
        var reading = Task.Run(async () =>
        {
            for (var i = 0; i < 64; i++) Assert.Equal(chunk, await client.ReadExactlyAsync(chunk.Length));
        });
        for (var i = 0; i < 64; i++) await client.Ssl.WriteAsync(chunk).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        await reading.WaitAsync(TimeSpan.FromSeconds(60));
    }

    // viaSslStream: the records' path where OpenSSL cannot be reached directly (SslStream after the handshake too).
    private static ServerOptions Tls(string transport, bool viaSslStream) =>
        Tls(transport) with { Tls = Tls(transport).Tls! with { RecordsViaSslStream = viaSslStream } };

    public static TheoryData<string, bool> TransportsAndPaths()
    {
        var data = new TheoryData<string, bool>();
        foreach (var transport in Transports)
        {
            data.Add(transport, false);
            data.Add(transport, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public async Task A_plaintext_client_fails_its_handshake_alone_and_the_server_keeps_serving(string transport)
    {
        var (_, endPoint) = Listen(Tls(transport));
        using (var plain = Loopback.Connect(endPoint))
        {
            plain.Send("GET / HTTP/1.0\r\n\r\n"u8.ToArray());
            // The server answers with a TLS alert or nothing, then closes: never an echo of our plaintext.
            var answer = ReadUntilClosed(plain);
            Assert.DoesNotContain("GET /", System.Text.Encoding.ASCII.GetString(answer));
        }
        await using var client = await TlsClient.ConnectAsync(endPoint, Ec);
        await client.Ssl.WriteAsync("after\n"u8.ToArray());
        Assert.Equal("after\n"u8.ToArray(), await client.ReadExactlyAsync(6));
    }

    [Fact]
    public void A_client_that_never_finishes_its_handshake_is_closed_at_the_handshake_timeout()
    {
        var (_, endPoint) = Listen(Tls("sockets", handshakeTimeout: TimeSpan.FromMilliseconds(300)));
        using var silent = Loopback.Connect(endPoint);
        var started = DateTime.UtcNow;
        Assert.Empty(ReadUntilClosed(silent));
        var waited = DateTime.UtcNow - started;
        Assert.InRange(waited, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public async Task Handlers_see_plaintext_with_nodes_half_close(string transport)
    {
        // tally answers with the count after the client's end: the write after our peer's close_notify goes out,
        // then our own close_notify and FIN.
        var (_, endPoint) = Listen(Tls(transport), () => new TallyHandler());
        await using var client = await TlsClient.ConnectAsync(endPoint, Ec);
        await client.Ssl.WriteAsync(new byte[12345]);
        await client.Ssl.ShutdownAsync();
        client.Socket.Shutdown(SocketShutdown.Send);
        Assert.Equal("12345\n"u8.ToArray(), await client.ReadToEndAsync());
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public async Task With_allow_half_open_the_server_writes_on_after_the_clients_close_notify(string transport)
    {
        var (_, endPoint) = Listen(Tls(transport) with { AllowHalfOpen = true }, () => new LateWriter());
        await using var client = await TlsClient.ConnectAsync(endPoint, Ec);
        await client.Ssl.WriteAsync("abc"u8.ToArray());
        await client.Ssl.ShutdownAsync();
        client.Socket.Shutdown(SocketShutdown.Send);
        // After our end, the handler still writes three times, then ends its side.
        Assert.Equal("ended after 3 bytes\n1\n2\n3\n"u8.ToArray(), await client.ReadToEndAsync());
    }

    [Theory]
    [MemberData(nameof(TransportsAndPaths))]
    public async Task After_the_server_ends_its_side_it_still_reads_what_the_client_sends(string transport, bool viaSslStream)
    {
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (_, endPoint) = Listen(Tls(transport, viaSslStream), () => new EndsFirst(received));
        await using var client = await TlsClient.ConnectAsync(endPoint, Ec);
        Assert.Equal("bye\n"u8.ToArray(), await client.ReadToEndAsync()); // the server's close_notify, then FIN
        await client.Ssl.WriteAsync("still talking"u8.ToArray());
        await client.Ssl.ShutdownAsync();
        client.Socket.Shutdown(SocketShutdown.Send);
        Assert.Equal("still talking", await received.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public async Task A_fin_without_close_notify_ends_the_peers_data_as_in_Node(string transport)
    {
        // Node reports a truncated TLS stream as a plain 'end', not an error: so does ActorNet.
        var (_, endPoint) = Listen(Tls(transport), () => new TallyHandler());
        await using var client = await TlsClient.ConnectAsync(endPoint, Ec);
        await client.Ssl.WriteAsync(new byte[777]);
        await client.Ssl.FlushAsync();
        client.Socket.Shutdown(SocketShutdown.Send);
        Assert.Equal("777\n"u8.ToArray(), await client.ReadToEndAsync());
    }

    [Fact]
    public async Task The_handler_sees_the_negotiated_protocol_cipher_server_name_and_client_certificate()
    {
        var authority = TestCertificates.Authority();
        var clientCertificate = TestCertificates.ClientSignedBy(authority, "alice");
        var seen = new TaskCompletionSource<ActorNet.Transport.Tls.TlsInfo?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = Tls("sockets") with
        {
            Tls = new TlsServerOptions
            {
                Certificate = Ec,
                ClientCertificate = ClientCertificateMode.Required,
                ClientCertificateAuthorities = [authority],
            },
        };
        var (_, endPoint) = Listen(options, () => new InfoHandler(seen));
        await using var client = await TlsClient.ConnectAsync(endPoint, Ec, SslProtocols.Tls13, clientCertificate, serverName: "chat.example");
        var info = await seen.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(info);
        Assert.Equal("TLSv1.3", info.Protocol);
        Assert.StartsWith("TLS_", info.Cipher);
        Assert.Equal("chat.example", info.ServerName);
        Assert.Equal("CN=alice", info.PeerCertificate?.Subject);
    }

    [Theory]
    [InlineData(ClientCertificateMode.Required, false, false)]
    [InlineData(ClientCertificateMode.Required, true, true)]
    [InlineData(ClientCertificateMode.Optional, false, true)]
    [InlineData(ClientCertificateMode.Optional, true, true)]
    public async Task Client_certificates_required_or_optional(ClientCertificateMode mode, bool sendCertificate, bool served)
    {
        var authority = TestCertificates.Authority();
        var options = Tls("epoll") with
        {
            Tls = new TlsServerOptions { Certificate = Ec, ClientCertificate = mode, ClientCertificateAuthorities = [authority] },
        };
        var (_, endPoint) = Listen(options);
        var certificate = sendCertificate ? TestCertificates.ClientSignedBy(authority) : null;
        var echoed = await TryEcho(endPoint, certificate);
        Assert.Equal(served, echoed);
    }

    [Fact]
    public async Task A_client_certificate_from_another_CA_is_refused()
    {
        var options = Tls("sockets") with
        {
            Tls = new TlsServerOptions
            {
                Certificate = Ec,
                ClientCertificate = ClientCertificateMode.Optional,
                ClientCertificateAuthorities = [TestCertificates.Authority()],
            },
        };
        var (_, endPoint) = Listen(options);
        Assert.False(await TryEcho(endPoint, TestCertificates.ClientSignedBy(TestCertificates.Authority("Other CA"))));
    }

    [Fact]
    public async Task The_certificate_selector_picks_by_SNI_name()
    {
        var chat = TestCertificates.SelfSigned("chat.example");
        var echo = TestCertificates.SelfSigned("echo.example");
        var options = Tls("sockets") with
        {
            Tls = new TlsServerOptions
            {
                Certificate = Ec,
                CertificateSelector = name => name switch { "chat.example" => chat, "echo.example" => echo, _ => null },
            },
        };
        var (_, endPoint) = Listen(options);
        foreach (var (name, expected) in new[] { ("chat.example", chat), ("echo.example", echo), ("localhost", Ec) })
        {
            await using var client = await TlsClient.ConnectAsync(endPoint, expected, serverName: name);
            Assert.Equal(expected.GetCertHashString(), client.Ssl.RemoteCertificate?.GetCertHashString());
        }
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public async Task Back_pressure_a_client_that_writes_16_MiB_before_reading_is_paused_not_buffered(string transport)
    {
        // With a 1 MiB cap on queued writes, an echo that kept reading while its writes back up would be reset.
        var (_, endPoint) = Listen(Tls(transport) with { MaxWriteQueue = 1024 * 1024 });
        await using var client = await TlsClient.ConnectAsync(endPoint, Ec);
        var payload = Loopback.Pattern(16 * 1024 * 1024, seed: 11);
        var writing = client.Ssl.WriteAsync(payload).AsTask();
        // Both directions fill up and stall until the client reads: then every byte comes back, in order.
        Assert.Equal(payload, await client.ReadExactlyAsync(payload.Length));
        await writing.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task An_idle_TLS_connection_is_ended_with_close_notify_at_its_idle_timeout()
    {
        var (_, endPoint) = Listen(Tls("epoll") with { IdleTimeout = TimeSpan.FromMilliseconds(300) });
        await using var client = await TlsClient.ConnectAsync(endPoint, Ec);
        await client.Ssl.WriteAsync("ping"u8.ToArray());
        Assert.Equal("ping"u8.ToArray(), await client.ReadExactlyAsync(4));
        var started = DateTime.UtcNow;
        Assert.Empty(await client.ReadToEndAsync()); // SslStream ends cleanly only on close_notify or FIN
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(250));
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public async Task A_draining_server_serves_its_TLS_clients_and_ends_them_at_the_deadline(string transport)
    {
        var (server, endPoint) = Listen(Tls(transport) with { DrainTimeout = TimeSpan.FromMilliseconds(500) });
        await using var client = await TlsClient.ConnectAsync(endPoint, Ec);
        // The server finishes its side of the handshake a moment after the client: a handshake still running when
        // the server closes is dropped, like a connection not yet accepted.
        AwaitLiveCount(server, 1);
        server.Tell(Protocol.ServerProtocol.Close.Instance, TestActor);
        ExpectMsg<Protocol.ServerProtocol.Unbound>();
        await client.Ssl.WriteAsync("still"u8.ToArray());
        Assert.Equal("still"u8.ToArray(), await client.ReadExactlyAsync(5));
        // At the deadline: close_notify and FIN, a clean end of the server's data.
        Assert.Empty(await client.ReadToEndAsync());
        await client.Ssl.ShutdownAsync();
        client.Socket.Shutdown(SocketShutdown.Send);
        // Well within the transport's wait for its closes (akka-io waits up to 6 s for Akka.IO's connection actors).
        ExpectMsg<Protocol.ServerProtocol.Closed>(TimeSpan.FromSeconds(3));
    }

    // True when a client (with the certificate, if any) completes the handshake and gets an echo.
    private static async Task<bool> TryEcho(System.Net.EndPoint endPoint, X509Certificate2? clientCertificate)
    {
        try
        {
            await using var client = await TlsClient.ConnectAsync(endPoint, Ec, SslProtocols.Tls12, clientCertificate);
            await client.Ssl.WriteAsync("x"u8.ToArray());
            return (await client.ReadExactlyAsync(1))[0] == (byte)'x';
        }
        catch (Exception e) when (e is AuthenticationException or IOException or EndOfStreamException)
        {
            return false;
        }
    }

    private sealed class LateWriter : IConnectionHandler
    {
        private int _read;

        public void OnData(ISocket socket, ReadOnlySpan<byte> data) => _read += data.Length;

        public void OnEnd(ISocket socket)
        {
            socket.Write(System.Text.Encoding.ASCII.GetBytes($"ended after {_read} bytes\n"));
            foreach (var line in new[] { "1\n", "2\n", "3\n" }) socket.Write(System.Text.Encoding.ASCII.GetBytes(line));
            socket.End();
        }
    }

    private sealed class EndsFirst(TaskCompletionSource<string> received) : IConnectionHandler
    {
        private readonly MemoryStream _data = new();

        public void OnConnect(ISocket socket)
        {
            socket.Write("bye\n"u8);
            socket.End();
        }

        public void OnData(ISocket socket, ReadOnlySpan<byte> data) => _data.Write(data);

        public void OnEnd(ISocket socket) => received.TrySetResult(System.Text.Encoding.ASCII.GetString(_data.ToArray()));
    }

    private sealed class InfoHandler(TaskCompletionSource<ActorNet.Transport.Tls.TlsInfo?> seen) : IConnectionHandler
    {
        public void OnConnect(ISocket socket) => seen.TrySetResult(socket.Tls);

        public void OnData(ISocket socket, ReadOnlySpan<byte> data) { }
    }

    // Bytes until the server closes (FIN, or RST: then what came before).
    private static byte[] ReadUntilClosed(Socket socket)
    {
        var result = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = socket.Receive(buffer)) > 0) result.Write(buffer, 0, n);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
        }
        return result.ToArray();
    }
}
