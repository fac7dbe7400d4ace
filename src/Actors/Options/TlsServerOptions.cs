using System.Security.Cryptography.X509Certificates;

namespace ActorNet.Options;

/// <summary>Whether a TLS server asks its clients for a certificate.</summary>
public enum ClientCertificateMode
{
    /// <summary>Not asked for.</summary>
    None,
    /// <summary>Asked for; a client without one is served, one with a certificate that does not chain to the CAs is refused.</summary>
    Optional,
    /// <summary>Asked for; a client without a valid one fails its handshake.</summary>
    Required,
}

/// <summary>
/// A server's TLS settings (<c>actornet.server.tls</c>): TLS 1.2 and 1.3 only, on every transport. Read from HOCON
/// by <see cref="ServerOptionsReader"/>, which loads the files and reports a missing or unreadable one as a
/// <see cref="ConfigException"/> naming the key.
/// </summary>
public sealed record TlsServerOptions
{
    /// <summary>The certificate with its private key; null when <see cref="CertificateSelector"/> picks one per connection.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>
    /// Picks the certificate by the SNI host name the client sent (null when it sent none); returning null falls back
    /// to <see cref="Certificate"/>. Called on a thread-pool thread during the handshake: it must not block.
    /// </summary>
    public Func<string?, X509Certificate2?>? CertificateSelector { get; init; }

    /// <summary>A handshake not finished within this closes the connection (Node's <c>handshakeTimeout</c>, 10 s by default).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether clients are asked for a certificate.</summary>
    public ClientCertificateMode ClientCertificate { get; init; } = ClientCertificateMode.None;

    /// <summary>The CAs a client certificate must chain to; null = the system's trust store.</summary>
    public X509Certificate2Collection? ClientCertificateAuthorities { get; init; }

    /// <summary>
    /// Keeps the records on SslStream after the handshake even where OpenSSL could take them directly: the path every
    /// other platform takes, so that tests hold it to the same behaviour here.
    /// </summary>
    internal bool RecordsViaSslStream { get; init; }
}
