using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>SIGHUP reloads the executable's TLS certificate: new handshakes get the new one, live connections go on.</summary>
public sealed class TlsReloadTests(ITestOutputHelper output) : IDisposable
{
    private const int SIGHUP = 1;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"actornet-reload-{Guid.NewGuid():N}");

    [Fact]
    public async Task Sighup_reloads_the_certificate_files_and_a_bad_file_keeps_the_old_one()
    {
        var first = TestCertificates.SelfSigned();
        var (certificate, key) = TestCertificates.WritePem(first, _directory);
        using var server = ServerProcess.StartReady(ServerConfig.Default.With("tls.certificate", $"\"{certificate}\"").With("tls.key", $"\"{key}\""), output);
        await using var before = await Connect(server.Port);
        Assert.Equal(first.GetCertHashString(), before.Ssl.RemoteCertificate?.GetCertHashString());

        var second = TestCertificates.SelfSigned();
        TestCertificates.WritePem(second, _directory);
        server.Signal(SIGHUP);
        Assert.True(server.WaitForOutput("Reloaded the TLS certificate", TimeSpan.FromSeconds(10)), server.Output);
        await using (var after = await Connect(server.Port))
            Assert.Equal(second.GetCertHashString(), after.Ssl.RemoteCertificate?.GetCertHashString());

        // The connection made before the reload still works.
        await before.Ssl.WriteAsync("still"u8.ToArray());
        var echoed = new byte[5];
        await before.Ssl.ReadExactlyAsync(echoed).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("still"u8.ToArray(), echoed);

        File.WriteAllText(key, "not a key");
        server.Signal(SIGHUP);
        Assert.True(server.WaitForOutput("TLS certificate reload failed, keeping the previous certificate", TimeSpan.FromSeconds(10)), server.Output);
        Assert.Contains("actornet.server.tls.", server.Output);
        await using (var kept = await Connect(server.Port))
            Assert.Equal(second.GetCertHashString(), kept.Ssl.RemoteCertificate?.GetCertHashString());
    }

    private static async Task<Connection> Connect(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(TimeSpan.FromSeconds(10));
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true));
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = static (_, _, _, _) => true, // the test compares the certificate itself
        }).WaitAsync(TimeSpan.FromSeconds(10));
        return new Connection(ssl);
    }

    private sealed record Connection(SslStream Ssl) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Ssl.DisposeAsync();
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }
}
