using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace ActorNet.Tests.Support;

/// <summary>A TLS client over a real loopback socket, from .NET's own SslStream, trusting one given certificate.</summary>
internal sealed class TlsClient : IAsyncDisposable
{
    private TlsClient(Socket socket, SslStream ssl)
    {
        Socket = socket;
        Ssl = ssl;
    }

    public Socket Socket { get; }

    public SslStream Ssl { get; }

    public static async Task<TlsClient> ConnectAsync(EndPoint endPoint, X509Certificate2 trusted, SslProtocols protocols = SslProtocols.None,
        X509Certificate2? clientCertificate = null, string serverName = "localhost", byte[]? prelude = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint).WaitAsync(TimeSpan.FromSeconds(10));
        // What a proxy sends before the ClientHello (a PROXY header).
        if (prelude is not null) await socket.SendAsync(prelude).WaitAsync(TimeSpan.FromSeconds(10));
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            EnabledSslProtocols = protocols,
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is not null && certificate.GetCertHashString() == trusted.GetCertHashString(),
        };
        if (clientCertificate is not null) options.ClientCertificates = [clientCertificate];
        try
        {
            await ssl.AuthenticateAsClientAsync(options).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch
        {
            await ssl.DisposeAsync();
            socket.Dispose();
            throw;
        }
        return new TlsClient(socket, ssl);
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes (bounded).</summary>
    public async Task<byte[]> ReadExactlyAsync(int count)
    {
        var buffer = new byte[count];
        await Ssl.ReadExactlyAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        return buffer;
    }

    /// <summary>Reads until the end of the server's data (close_notify or FIN), bounded.</summary>
    public async Task<byte[]> ReadToEndAsync()
    {
        var result = new MemoryStream();
        await Ssl.CopyToAsync(result).WaitAsync(TimeSpan.FromSeconds(20));
        return result.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await Ssl.DisposeAsync();
        Socket.Dispose();
    }
}
