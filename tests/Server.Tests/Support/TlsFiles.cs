using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ActorNet.Tests.Support;

/// <summary>A certificate on disk: PEM certificate (chain) and PKCS#8 PEM key, and the loaded certificate.</summary>
internal sealed record PemPair(string Certificate, string Key, X509Certificate2 Loaded);

/// <summary>
/// The files a TLS server and its clients need, made at test time in a temp folder (deleted on dispose):
/// self-signed server certificates (EC P-256 and RSA 2048, CN and SAN localhost and 127.0.0.1), the EC one also as a
/// password-protected .pfx and with a password-encrypted PEM key, a server chain (root CA, intermediate, leaf), a
/// client CA with a client certificate signed by it, and a client certificate from another CA.
/// </summary>
public sealed class TlsFiles : IDisposable
{
    public const string PfxPassword = "pfx-secret";
    public const string PemPassword = "pem-secret";

    public TlsFiles()
    {
        Directory = Path.Combine(Path.GetTempPath(), $"actornet-tls-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(Directory);

        using var ecKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ec = SelfSignedServer(ecKey);
        Ec = Write("ec", ec, ecKey);
        using var rsaKey = RSA.Create(2048);
        using var rsa = SelfSignedServer(rsaKey);
        Rsa = Write("rsa", rsa, rsaKey);

        Pfx = Path.Combine(Directory, "ec.pfx");
        File.WriteAllBytes(Pfx, ec.Export(X509ContentType.Pkcs12, PfxPassword));
        EncryptedKey = Path.Combine(Directory, "ec-key-encrypted.pem");
        File.WriteAllText(EncryptedKey, ecKey.ExportEncryptedPkcs8PrivateKeyPem(PemPassword,
            new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000)));

        // A chain: root CA -> intermediate CA -> leaf; the certificate file holds the leaf then the intermediate.
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var root = Authority("CN=ActorNet Test Root", rootKey);
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var intermediate = Issue(root, "CN=ActorNet Test Intermediate", intermediateKey, ca: true, serverAuth: false);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leaf = Issue(intermediate, "CN=localhost", leafKey, ca: false, serverAuth: true);
        ChainRoot = WriteCertificate("chain-root.pem", root);
        var chained = Write("chain-leaf", leaf, leafKey);
        File.AppendAllText(chained.Certificate, intermediate.ExportCertificatePem() + "\n");
        Chain = chained;

        using var clientCaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var clientCa = Authority("CN=ActorNet Client CA", clientCaKey);
        ClientCa = WriteCertificate("client-ca.pem", clientCa);
        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var client = Issue(clientCa, "CN=alice", clientKey, ca: false, serverAuth: false);
        Client = Write("client", client, clientKey);

        using var otherCaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var otherCa = Authority("CN=Some Other CA", otherCaKey);
        using var strangerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var stranger = Issue(otherCa, "CN=mallory", strangerKey, ca: false, serverAuth: false);
        Stranger = Write("stranger", stranger, strangerKey);

        NotAKey = Path.Combine(Directory, "not-a-key.pem");
        File.WriteAllText(NotAKey, "this is not a key\n");
    }

    public string Directory { get; }

    /// <summary>Self-signed EC P-256 server certificate for localhost / 127.0.0.1.</summary>
    internal PemPair Ec { get; }

    /// <summary>Self-signed RSA 2048 server certificate for localhost / 127.0.0.1.</summary>
    internal PemPair Rsa { get; }

    /// <summary><see cref="Ec"/> as PKCS#12 with <see cref="PfxPassword"/>.</summary>
    public string Pfx { get; }

    /// <summary><see cref="Ec"/>'s key as encrypted PKCS#8 PEM with <see cref="PemPassword"/>.</summary>
    public string EncryptedKey { get; }

    /// <summary>A leaf issued by an intermediate CA; its certificate file is the chain leaf + intermediate.</summary>
    internal PemPair Chain { get; }

    /// <summary>The root CA of <see cref="Chain"/> (PEM).</summary>
    public string ChainRoot { get; }

    /// <summary>The CA client certificates must chain to (PEM).</summary>
    public string ClientCa { get; }

    /// <summary>A client certificate signed by <see cref="ClientCa"/>.</summary>
    internal PemPair Client { get; }

    /// <summary>A client certificate signed by another CA.</summary>
    internal PemPair Stranger { get; }

    /// <summary>A text file that is no key.</summary>
    public string NotAKey { get; }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static X509Certificate2 SelfSignedServer(AsymmetricAlgorithm key)
    {
        var request = key is RSA rsa
            ? new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest("CN=localhost", (ECDsa)key, HashAlgorithmName.SHA256);
        AddLeafExtensions(request, serverAuth: true, rsa: key is RSA);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static X509Certificate2 Authority(string subject, ECDsa key)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddDays(2));
    }

    // A certificate for key signed by issuer (which holds its private key): a CA or a leaf (server or client).
    private static X509Certificate2 Issue(X509Certificate2 issuer, string subject, ECDsa key, bool ca, bool serverAuth)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        if (ca)
        {
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        }
        else AddLeafExtensions(request, serverAuth, rsa: false);
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var signed = request.Create(issuer, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1),
            RandomNumberGenerator.GetBytes(8));
        return signed.CopyWithPrivateKey(key);
    }

    private static void AddLeafExtensions(CertificateRequest request, bool serverAuth, bool rsa)
    {
        if (serverAuth)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            rsa ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
    }

    private PemPair Write(string name, X509Certificate2 certificate, AsymmetricAlgorithm key)
    {
        var certificatePath = WriteCertificate($"{name}-cert.pem", certificate);
        var keyPath = Path.Combine(Directory, $"{name}-key.pem");
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        return new PemPair(certificatePath, keyPath, X509CertificateLoader.LoadCertificate(certificate.RawData));
    }

    private string WriteCertificate(string file, X509Certificate2 certificate)
    {
        var path = Path.Combine(Directory, file);
        File.WriteAllText(path, certificate.ExportCertificatePem() + "\n");
        return path;
    }
}
