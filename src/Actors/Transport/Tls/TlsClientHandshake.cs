using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Akka.Actor;
using ActorNet.Options;
using ActorNet.Protocol;

namespace ActorNet.Transport.Tls;

/// <summary>
/// The client side of a TLS handshake over a transport connection (the counterpart of <see cref="TlsHandshake.AcceptAsync"/>),
/// asynchronous from end to end, with failures in Node's vocabulary.
/// </summary>
internal static partial class TlsClientHandshake
{
    /// <summary>Node's error when the server closes before the handshake is done.</summary>
    internal const string DisconnectedMessage = "Client network socket disconnected before secure TLS connection was established";

    /// <summary>
    /// Runs the client handshake on <paramref name="connection"/> (attached here to the TLS layer); the connection to
    /// hand to the socket actor, or an exception: <see cref="NetException"/> with Node's error (the certificate was
    /// refused, the handshake or the connection failed), <see cref="OperationCanceledException"/> (<paramref name="cancel"/>).
    /// The caller closes <paramref name="connection"/> after a failure.
    /// </summary>
    public static async Task<TlsConnection> ConnectAsync(ITransportConnection connection, ConnectOptions options,
        IActorRefProvider provider, CancellationToken cancel)
    {
        var tls = options.Tls ?? throw new ArgumentException("no TLS options", nameof(options));
        var cipher = new CipherStream(connection);
        connection.Attach(new SignalSink(provider, cipher.OnSignal));
        TlsHandshake.NoDelayUntilFirstWrite(connection);
        var probe = new HandshakeProbeStream(cipher);
        var ssl = new SslStream(probe, leaveInnerStreamOpen: true);
        var hostname = tls.TargetName(options.Host);
        NetError? refused = null;
        var client = ClientOptions(tls, hostname, (certificate, chain, errors) =>
        {
            if (!tls.RejectUnauthorized) return true;
            refused = ServerCertificateCheck.Verify(certificate, chain, errors, hostname);
            return refused is null;
        });
        try
        {
            await ssl.AuthenticateAsClientAsync(client, cancel).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            if (e is OperationCanceledException && cancel.IsCancellationRequested) throw;
            throw new NetException(refused ?? Failure(e, probe, connection, options));
        }
        probe.StopProbing();
        // A copy: the stream is disposed right after the handshake (TlsConnection), its certificate with it.
        var peer = ssl.RemoteCertificate is { } remote ? new X509Certificate2(remote) : null;
        var info = new TlsInfo(TlsInfo.ProtocolName(ssl.SslProtocol), ssl.NegotiatedCipherSuite.ToString(), tls.SniName(options.Host), peer);
        // A client with a certificate stays on SslStream: a TLS 1.3 server may ask for it after the handshake, which
        // SslStream answers and OpenSSL alone cannot (the certificate callback is SslStream's).
        return new TlsConnection(cipher, ssl, info, direct: tls.ClientCertificate is null);
    }

    private static SslClientAuthenticationOptions ClientOptions(TlsClientOptions tls, string hostname,
        Func<X509Certificate?, X509Chain?, SslPolicyErrors, bool> validate)
    {
        // Node checks no revocation and downloads no certificates: the chain is what the server sent plus the CAs.
        var policy = new X509ChainPolicy
        {
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        if (tls.CertificateAuthorities is { } authorities)
        {
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(authorities);
        }
        var client = new SslClientAuthenticationOptions
        {
            // An IP address here sends no SNI and is matched against the certificate's IP addresses (Node's rule).
            TargetHost = hostname,
            EnabledSslProtocols = tls.Protocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            CertificateChainPolicy = policy,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) => validate(certificate, chain, errors),
        };
        // Sent whenever the server asks, whatever CAs it names (as Node does with cert and key).
        if (tls.ClientCertificate is { } own)
            client.ClientCertificateContext = SslStreamCertificateContext.Create(own, additionalCertificates: null, offline: true);
        return client;
    }

    /// <summary>A failed handshake in Node's words: the transport's error, a peer that speaks no TLS, OpenSSL's reason, or a disconnect.</summary>
    internal static NetError Failure(Exception e, HandshakeProbeStream probe, ITransportConnection connection, ConnectOptions options)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
            if (inner is SocketException socket)
                return NetError.FromSocketError(socket.SocketErrorCode, "read", connection.RemoteEndPoint);
        // What came back is no TLS record (e.g. a plaintext server's banner or HTTP answer): OpenSSL's first check.
        if (probe.HeaderLength > 0 && !IsTlsRecordHeader(probe.Header))
            return new NetError("ERR_SSL_WRONG_VERSION_NUMBER", null, "error:0A00010B:SSL routines::wrong version number");
        if (OpenSslError(e) is { } openSsl) return openSsl;
        if (probe.SawEnd) return Disconnected(options);
        return new NetError("ERR_SSL_SSL_HANDSHAKE_FAILURE", null, $"ssl handshake failure: {Messages(e)}");
    }

    /// <summary>Node's ECONNRESET for a server that closed before the handshake was done (with its host and port, no syscall).</summary>
    internal static NetError Disconnected(ConnectOptions options) => options.Path is { } path
        ? new NetError("ECONNRESET", null, DisconnectedMessage, path)
        : new NetError("ECONNRESET", null, DisconnectedMessage, options.Host, options.Port);

    // A record header: content type change_cipher_spec..heartbeat, then version major 3.
    private static bool IsTlsRecordHeader(ReadOnlySpan<byte> header) =>
        header[0] is >= 20 and <= 24 && (header.Length < 2 || header[1] == 3);

    /// <summary>
    /// Node's code for an OpenSSL error: <c>ERR_SSL_</c> and the reason in capitals (<c>ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE</c>),
    /// with OpenSSL's error string as the message. Null when the exception carries none (another TLS library).
    /// </summary>
    internal static NetError? OpenSslError(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            var match = OpenSslErrorString().Match(inner.Message);
            if (!match.Success) continue;
            var reason = match.Groups["reason"].Value.Trim();
            var code = "ERR_SSL_" + NotCodeCharacters().Replace(reason.ToUpperInvariant(), "_");
            return new NetError(code, null, match.Value.Trim());
        }
        return null;
    }

    private static string Messages(Exception e)
    {
        var messages = new List<string>();
        for (var inner = e; inner is not null; inner = inner.InnerException) messages.Add(inner.Message);
        return string.Join(" ", messages);
    }

    // "error:0A000410:SSL routines::sslv3 alert handshake failure" (OpenSSL 3) or "error:14094410:SSL routines:ssl3_read_bytes:..." (1.1).
    [GeneratedRegex(@"error:[0-9A-Fa-f]+:[^:]*:[^:]*:(?<reason>[^:]+)")]
    private static partial Regex OpenSslErrorString();

    [GeneratedRegex("[^A-Z0-9]+")]
    private static partial Regex NotCodeCharacters();
}
