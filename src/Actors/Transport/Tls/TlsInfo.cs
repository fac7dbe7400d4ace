using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace ActorNet.Transport.Tls;

/// <summary>What a TLS handshake negotiated (Node's <c>getProtocol()</c>, <c>getCipher()</c>, <c>servername</c>, <c>getPeerCertificate()</c>).</summary>
/// <param name="Protocol">The protocol version, e.g. <c>TLSv1.3</c> (Node's spelling).</param>
/// <param name="Cipher">The cipher suite, e.g. <c>TLS_AES_256_GCM_SHA384</c>.</param>
/// <param name="ServerName">The SNI host name the client sent (on a server) or asked for (on a client); null when none.</param>
/// <param name="PeerCertificate">The peer's certificate, when it sent one.</param>
public sealed record TlsInfo(string Protocol, string Cipher, string? ServerName, X509Certificate2? PeerCertificate)
{
    internal static string ProtocolName(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "TLSv1.3",
        SslProtocols.Tls12 => "TLSv1.2",
        _ => protocol.ToString(),
    };
}
