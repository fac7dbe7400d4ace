using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace ActorNet.Tests.Support;

/// <summary>A .NET SslStream client over a loopback socket that trusts exactly one server certificate; every wait is bounded.</summary>
internal sealed class SslClient : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private SslClient(Socket socket, SslStream ssl)
    {
        Socket = socket;
        Ssl = ssl;
    }

    public Socket Socket { get; }

    public SslStream Ssl { get; }

    public int LocalPort => ((IPEndPoint)Socket.LocalEndPoint!).Port;

    public static async Task<SslClient> ConnectAsync(int port, X509Certificate2 trusted, SslProtocols protocols = SslProtocols.None)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(Bound);
            var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
            try
            {
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = "localhost",
                    EnabledSslProtocols = protocols,
                    RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                        certificate is not null && certificate.GetCertHashString() == trusted.GetCertHashString(),
                }).WaitAsync(Bound);
            }
            catch
            {
                await ssl.DisposeAsync();
                throw;
            }
            return new SslClient(socket, ssl);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async Task<byte[]> ReadExactlyAsync(int count)
    {
        var buffer = new byte[count];
        await Ssl.ReadExactlyAsync(buffer).AsTask().WaitAsync(Bound);
        return buffer;
    }

    /// <summary>Writes <paramref name="text"/> and expects it back.</summary>
    public async Task<string> EchoAsync(string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        await Ssl.WriteAsync(bytes).AsTask().WaitAsync(Bound);
        return Encoding.ASCII.GetString(await ReadExactlyAsync(bytes.Length));
    }

    /// <summary>Our end: close_notify, then FIN.</summary>
    public async Task EndAsync()
    {
        await Ssl.ShutdownAsync().WaitAsync(Bound);
        Socket.Shutdown(SocketShutdown.Send);
    }

    /// <summary>Reads until the end of the server's data (close_notify or FIN), bounded.</summary>
    public async Task<byte[]> ReadToEndAsync(TimeSpan? timeout = null)
    {
        var result = new MemoryStream();
        await Ssl.CopyToAsync(result).WaitAsync(timeout ?? Bound);
        return result.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Ssl.DisposeAsync();
        }
        catch (IOException)
        {
        }
        Socket.Dispose();
    }
}
