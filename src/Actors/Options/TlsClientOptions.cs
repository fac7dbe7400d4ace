using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace ActorNet.Options;

/// <summary>
/// TLS for an outgoing connection (<see cref="ConnectOptions.Tls"/>), with Node's <c>tls.connect</c> semantics: the
/// handshake runs before the socket is connected, the server's certificate must chain to a trusted CA and match the
/// name (unless <see cref="RejectUnauthorized"/> is off), and a failure is a connect error in Node's vocabulary
/// (<c>DEPTH_ZERO_SELF_SIGNED_CERT</c>, <c>ERR_TLS_CERT_ALTNAME_INVALID</c>, <c>ERR_SSL_...</c>, ...). TLS 1.2 and
/// 1.3 only. Validated with the rest of <see cref="ConnectOptions"/>.
/// </summary>
public sealed record TlsClientOptions
{
    /// <summary>TLS 1.2 and 1.3: what <see cref="Protocols"/> may hold, and its default.</summary>
    public const SslProtocols SupportedProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>
    /// Node's <c>servername</c>: the SNI host name sent and the name the certificate must match. Null (default) =
    /// <see cref="ConnectOptions.Host"/>; when that is an IP address no SNI is sent and the certificate must list the
    /// address (Node's rule).
    /// </summary>
    public string? ServerName { get; init; }

    /// <summary>
    /// Node's <c>rejectUnauthorized</c>: refuse a server whose certificate does not chain to a trusted CA, is out of
    /// its validity period, or does not match the name. Defaults to true; false accepts any certificate (testing only).
    /// </summary>
    public bool RejectUnauthorized { get; init; } = true;

    /// <summary>Node's <c>ca</c>: the only CAs trusted (a self-signed server certificate may be one). Null (default) = the system's trust store.</summary>
    public X509Certificate2Collection? CertificateAuthorities { get; init; }

    /// <summary>Node's <c>cert</c> and <c>key</c>: a certificate with its private key, sent when the server asks for one. Defaults to none.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>
    /// The protocol versions offered (Node's <c>minVersion</c>/<c>maxVersion</c>): TLS 1.2, TLS 1.3 or both
    /// (default, <see cref="SupportedProtocols"/>).
    /// </summary>
    public SslProtocols Protocols { get; init; } = SupportedProtocols;

    /// <summary>The name sent as SNI: <see cref="ServerName"/> or <paramref name="host"/>; null for an IP address (no SNI, as Node).</summary>
    internal string? SniName(string host)
    {
        var name = ServerName ?? host;
        return IPAddress.TryParse(name, out _) ? null : name;
    }

    /// <summary>The name the certificate must match: <see cref="ServerName"/> or <paramref name="host"/> (Node's <c>checkServerIdentity</c> hostname).</summary>
    internal string TargetName(string host) => ServerName ?? host;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option (as <c>ConnectOptions.Tls.Name</c>).</summary>
    public TlsClientOptions Validate()
    {
        if (ServerName is not null)
        {
            if (ServerName.Length == 0) throw Bad(nameof(ServerName), "must not be empty (null = the host)");
            if (ServerName.Length > 255) throw Bad(nameof(ServerName), "is longer than 255 characters");
            if (ServerName.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
                throw Bad(nameof(ServerName), $"\"{ServerName}\" is not a host name");
        }
        if (CertificateAuthorities is { Count: 0 })
            throw Bad(nameof(CertificateAuthorities), "must not be empty (null = the system's trust store)");
        if (ClientCertificate is { HasPrivateKey: false })
            throw Bad(nameof(ClientCertificate), $"\"{ClientCertificate.Subject}\" has no private key");
        if (Protocols == SslProtocols.None || (Protocols & ~SupportedProtocols) != 0)
            throw Bad(nameof(Protocols), $"{Protocols} is not supported (TLS 1.2 and 1.3 only)");
        return this;
    }

    private static ArgumentException Bad(string name, string problem) => new($"ConnectOptions.Tls.{name}: {problem}", $"Tls.{name}");
}
