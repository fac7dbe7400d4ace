using System.Formats.Asn1;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using ActorNet.Protocol;

namespace ActorNet.Transport.Tls;

/// <summary>
/// A TLS client's verdict on the server's certificate in Node's words: OpenSSL's verify error codes and messages
/// (<c>DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate</c>, ...) from .NET's chain status, then Node's
/// <c>checkServerIdentity</c> (<c>ERR_TLS_CERT_ALTNAME_INVALID</c>). Like OpenSSL, which reports its last error, a
/// validity-period or signature problem wins over an untrusted chain; the name is checked only on a trusted chain.
/// </summary>
internal static class ServerCertificateCheck
{
    /// <summary>Node's error for the server's certificate, or null when it is trusted and matches <paramref name="hostname"/>.</summary>
    public static NetError? Verify(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string hostname)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            return Verify("ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE", "peer did not return a certificate");
        if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            return ChainError(chain) ?? Verify("CERT_UNTRUSTED", "certificate not trusted");
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            var leaf = certificate as X509Certificate2 ?? new X509Certificate2(certificate);
            return new NetError("ERR_TLS_CERT_ALTNAME_INVALID", null,
                $"Hostname/IP does not match certificate's altnames: {MismatchReason(hostname, leaf)}");
        }
        return null;
    }

    private static NetError Verify(string code, string message) => new(code, null, message);

    private static NetError? ChainError(X509Chain? chain)
    {
        if (chain is null) return null;
        var elements = chain.ChainElements;
        // OpenSSL checks signatures and dates after building the chain, from the top down: the leaf-most wins.
        for (var i = 0; i < elements.Count; i++)
        {
            var element = elements[i];
            foreach (var status in element.ChainElementStatus)
            {
                if (status.Status.HasFlag(X509ChainStatusFlags.NotTimeValid))
                    return DateTime.Now < element.Certificate.NotBefore
                        ? Verify("CERT_NOT_YET_VALID", "certificate is not yet valid")
                        : Verify("CERT_HAS_EXPIRED", "certificate has expired");
                if (status.Status.HasFlag(X509ChainStatusFlags.NotSignatureValid))
                    return Verify("CERT_SIGNATURE_FAILURE", "certificate signature failure");
            }
        }
        var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
        if (flags.HasFlag(X509ChainStatusFlags.NotTimeValid))
        {
            var leaf = elements.Count > 0 ? elements[0].Certificate : null;
            return leaf is not null && DateTime.Now < leaf.NotBefore
                ? Verify("CERT_NOT_YET_VALID", "certificate is not yet valid")
                : Verify("CERT_HAS_EXPIRED", "certificate has expired");
        }
        if (flags.HasFlag(X509ChainStatusFlags.NotSignatureValid)) return Verify("CERT_SIGNATURE_FAILURE", "certificate signature failure");
        if (flags.HasFlag(X509ChainStatusFlags.Revoked)) return Verify("CERT_REVOKED", "certificate revoked");
        if (flags.HasFlag(X509ChainStatusFlags.UntrustedRoot))
            return elements.Count <= 1
                ? Verify("DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate")
                : Verify("SELF_SIGNED_CERT_IN_CHAIN", "self-signed certificate in certificate chain");
        if (flags.HasFlag(X509ChainStatusFlags.PartialChain))
            return elements.Count <= 1
                ? Verify("UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unable to verify the first certificate")
                : Verify("UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "unable to get local issuer certificate");
        if (flags.HasFlag(X509ChainStatusFlags.InvalidBasicConstraints)) return Verify("INVALID_CA", "invalid CA certificate");
        if (flags.HasFlag(X509ChainStatusFlags.NotValidForUsage)) return Verify("INVALID_PURPOSE", "unsupported certificate purpose");
        if (flags.HasFlag(X509ChainStatusFlags.HasNotSupportedCriticalExtension))
            return Verify("UNHANDLED_CRITICAL_EXTENSION", "unhandled critical extension");
        var first = chain.ChainStatus.FirstOrDefault(s => s.Status != X509ChainStatusFlags.NoError);
        return first.Status == X509ChainStatusFlags.NoError ? null
            : Verify("CERT_UNTRUSTED", $"certificate not trusted ({first.Status}: {first.StatusInformation.Trim()})");
    }

    /// <summary>Node's <c>checkServerIdentity</c> reason, e.g. <c>Host: a.example. is not in the cert's altnames: DNS:localhost, IP Address:127.0.0.1</c>.</summary>
    internal static string MismatchReason(string hostname, X509Certificate2 certificate)
    {
        hostname = hostname.EndsWith('.') ? hostname[..^1] : hostname; // Node's unfqdn
        var altNames = SubjectAltNames(certificate);
        if (IPAddress.TryParse(hostname, out _))
        {
            var ips = altNames.Where(n => n.StartsWith("IP Address:", StringComparison.Ordinal)).Select(n => n["IP Address:".Length..]);
            return $"IP: {hostname} is not in the cert's list: {string.Join(", ", ips)}";
        }
        if (altNames.Any(n => n.StartsWith("DNS:", StringComparison.Ordinal)))
            return $"Host: {hostname}. is not in the cert's altnames: {string.Join(", ", altNames)}";
        var commonName = CommonName(certificate);
        return commonName is not null ? $"Host: {hostname}. is not cert's CN: {commonName}" : "Cert does not contain a DNS name";
    }

    /// <summary>The subject alternative names in order, spelled as Node's <c>cert.subjectaltname</c> (<c>DNS:x</c>, <c>IP Address:x</c>, ...).</summary>
    internal static List<string> SubjectAltNames(X509Certificate2 certificate)
    {
        var names = new List<string>();
        if (certificate.Extensions["2.5.29.17"] is not { } extension) return names;
        try
        {
            var sequence = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
            while (sequence.HasData)
            {
                var tag = sequence.PeekTag();
                if (tag.TagClass != TagClass.ContextSpecific)
                {
                    sequence.ReadEncodedValue();
                    continue;
                }
                switch (tag.TagValue)
                {
                    case 1:
                        names.Add("email:" + sequence.ReadCharacterString(UniversalTagNumber.IA5String, tag));
                        break;
                    case 2:
                        names.Add("DNS:" + sequence.ReadCharacterString(UniversalTagNumber.IA5String, tag));
                        break;
                    case 6:
                        names.Add("URI:" + sequence.ReadCharacterString(UniversalTagNumber.IA5String, tag));
                        break;
                    case 7:
                        var bytes = sequence.ReadOctetString(tag);
                        names.Add("IP Address:" + (bytes.Length is 4 or 16 ? new IPAddress(bytes).ToString() : "<invalid>"));
                        break;
                    default:
                        sequence.ReadEncodedValue();
                        break;
                }
            }
        }
        catch (AsnContentException)
        {
            // A malformed extension: the names read so far.
        }
        return names;
    }

    private static string? CommonName(X509Certificate2 certificate)
    {
        foreach (var name in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
            if (!name.HasMultipleElements && name.GetSingleElementType().Value == "2.5.4.3") return name.GetSingleElementValue();
        return null;
    }
}
