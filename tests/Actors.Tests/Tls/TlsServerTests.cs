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
    public async Task Echoes_1_MiB_byte_exact_and_ends_after_the_clients_close_notify(string transport, SslProtocols protocol)
    {
        var (_, endPoint) = Listen(Tls(transport));
        await using var client = await TlsClient.ConnectAsync(endPoint, Ec, protocol);
        Assert.Equal(protocol, client.Ssl.SslProtocol);
        var payload = Loopback.Pattern(1024 * 1024, seed: 7);
        var reading = client.ReadExactlyAsync(payload.Length);
        await client.Ssl.WriteAsync(payload);
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
        for (var i = 0; i < 64; i++) await client.Ssl.WriteAsync(chunk);
        await reading.WaitAsync(TimeSpan.FromSeconds(60));
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
