using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using ActorNet.Tests.Support;
using ActorNet.Transport.Tls;
using Xunit;

namespace ActorNet.Tests.Tls;

/// <summary>
/// OpenSSL's record buffers are released when empty on this runtime (Linux, .NET 10, OpenSSL 3), and a stream with
/// the mode set still carries data byte-exact both ways. If a runtime update moves SslStream's private field, the
/// first test fails rather than idle TLS connections silently growing by 16 KiB each.
/// </summary>
public sealed class OpenSslBuffersTests
{
    private const long ReleaseBuffers = 0x10;
    private static readonly X509Certificate2 Certificate = TestCertificates.SelfSigned();

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task The_mode_is_set_after_a_handshake_and_data_still_flows_both_ways(SslProtocols protocol)
    {
        Assert.True(OperatingSystem.IsLinux(), "these servers run on Linux");
        var (server, client) = await HandshakeAsync(protocol);
        await using (server)
        await using (client)
        {
            Assert.True(OpenSslBuffers.Available, "SslStream's security context or OpenSSL 3 was not found");
            Assert.Equal(0L, OpenSslBuffers.Mode(server)!.Value & ReleaseBuffers);
            Assert.True(OpenSslBuffers.Release(server));
            Assert.True(OpenSslBuffers.Release(client));
            Assert.Equal(ReleaseBuffers, OpenSslBuffers.Mode(server)!.Value & ReleaseBuffers);

            // Records of every size, with the buffers given back between them: 4 MiB each way.
            var payload = Loopback.Pattern(4 * 1024 * 1024, seed: 11);
            foreach (var (from, to) in new[] { (client, server), (server, client) })
            {
                var received = new byte[payload.Length];
                var reading = Task.Run(async () => await to.ReadExactlyAsync(received));
                for (var offset = 0; offset < payload.Length;)
                {
                    var size = Math.Min(payload.Length - offset, 1 + offset % 40_000);
                    await from.WriteAsync(payload.AsMemory(offset, size));
                    offset += size;
                }
                await reading.WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Equal(payload, received);
            }
        }
    }

    private static async Task<(SslStream Server, SslStream Client)> HandshakeAsync(SslProtocols protocol)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var connecting = new TcpClient();
        var connected = connecting.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var accepted = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await connected.WaitAsync(TimeSpan.FromSeconds(10));
        var server = new SslStream(accepted.GetStream(), leaveInnerStreamOpen: false);
        var client = new SslStream(connecting.GetStream(), leaveInnerStreamOpen: false, (_, _, _, _) => true);
        await Task.WhenAll(
            server.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = Certificate, EnabledSslProtocols = protocol }),
            client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", EnabledSslProtocols = protocol }))
            .WaitAsync(TimeSpan.FromSeconds(10));
        return (server, client);
    }
}
