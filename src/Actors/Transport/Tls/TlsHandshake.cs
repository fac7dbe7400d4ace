using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using ActorNet.Options;

namespace ActorNet.Transport.Tls;

/// <summary>The server side of a TLS handshake over a transport connection, asynchronous from end to end.</summary>
internal static class TlsHandshake
{
    /// <summary>TLS 1.2 and 1.3 only.</summary>
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>
    /// Runs the server handshake on <paramref name="connection"/> (attached here to the TLS layer); the connection to
    /// hand to a socket actor, or an exception: <see cref="AuthenticationException"/> (the client failed the
    /// handshake), <see cref="IOException"/> (the connection failed), <see cref="OperationCanceledException"/>
    /// (<paramref name="cancel"/>, e.g. the handshake timeout).
    /// </summary>
    public static async Task<TlsConnection> AcceptAsync(ITransportConnection connection, TlsServerOptions options,
        IActorRefProvider provider, CancellationToken cancel)
    {
        var cipher = new CipherStream(connection);
        connection.Attach(new SignalSink(provider, cipher.OnSignal));
        NoDelayUntilFirstWrite(connection);
        var ssl = new SslStream(cipher, leaveInnerStreamOpen: true);
        try
        {
            // Per connection, once the ClientHello (with its SNI name) is in: the certificate can depend on the name.
            await ssl.AuthenticateAsServerAsync(static (_, hello, state, _) =>
                    ValueTask.FromResult(ServerOptions((TlsServerOptions)state!, hello.ServerName)), options, cancel).ConfigureAwait(false);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var peer = ssl.RemoteCertificate is { } certificate ? new X509Certificate2(certificate) : null;
        var info = new TlsInfo(TlsInfo.ProtocolName(ssl.SslProtocol), ssl.NegotiatedCipherSuite.ToString(),
            string.IsNullOrEmpty(ssl.TargetHostName) ? null : ssl.TargetHostName, peer);
        return new TlsConnection(cipher, ssl, info, direct: !options.RecordsViaSslStream);
    }

    /// <summary>
    /// Turns Nagle's algorithm off for the handshake's flights and the first write after it; <see cref="TlsConnection"/>
    /// turns it back on after that write unless the socket's owner set no-delay itself. Best effort: a transport that
    /// cannot set it (in-memory) or a connection already failed changes nothing.
    /// </summary>
    public static void NoDelayUntilFirstWrite(ITransportConnection connection) => connection.SetNoDelay(true);

    private static SslServerAuthenticationOptions ServerOptions(TlsServerOptions options, string? serverName)
    {
        var name = string.IsNullOrEmpty(serverName) ? null : serverName;
        var certificate = options.CertificateSelector?.Invoke(name) ?? options.Certificate
            ?? throw new AuthenticationException($"no certificate for server name \"{name}\"");
        var server = new SslServerAuthenticationOptions
        {
            EnabledSslProtocols = Protocols,
            ServerCertificateContext = Contexts.GetValue(certificate,
                static c => SslStreamCertificateContext.Create(c, Intermediates.TryGetValue(c, out var chain) ? chain : null)),
            ClientCertificateRequired = options.ClientCertificate != ClientCertificateMode.None,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        if (options.ClientCertificate != ClientCertificateMode.None)
            server.RemoteCertificateValidationCallback = (_, client, _, errors) => ValidClient(options, client, errors);
        return server;
    }

    // The chain of a certificate is built once, not per handshake.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<X509Certificate2, SslStreamCertificateContext> Contexts = new();

    // The intermediate CAs that came with a certificate (the rest of its PEM chain file or .pfx), sent with it.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<X509Certificate2, X509Certificate2Collection> Intermediates = new();

    /// <summary>
    /// Sends <paramref name="intermediates"/> with <paramref name="certificate"/> in every handshake that uses it, so that
    /// clients that trust only the root CA can build the chain (as Node does with a PEM chain as <c>cert</c>).
    /// </summary>
    public static void SetIntermediates(X509Certificate2 certificate, X509Certificate2Collection intermediates) =>
        Intermediates.AddOrUpdate(certificate, intermediates);

    private static bool ValidClient(TlsServerOptions options, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null) return options.ClientCertificate == ClientCertificateMode.Optional;
        if (options.ClientCertificateAuthorities is not { } authorities) return errors == SslPolicyErrors.None;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var client = new X509Certificate2(certificate);
        return chain.Build(client);
    }
}
