using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ActorNet.Options;

/// <summary>
/// Reads <c>actornet.server.tls</c> and loads its files, so that a missing or unreadable certificate, key or CA file
/// is a configuration error naming its key, found before anything listens.
/// </summary>
internal static class TlsOptionsReader
{
    public static TlsServerOptions? ReadServer(ConfigSection r)
    {
        var certificatePath = r.Text("tls.certificate");
        var keyPath = r.Text("tls.key");
        var password = r.Text("tls.password");
        var timeout = r.Duration("tls.handshake-timeout", TimeSpan.FromDays(1));
        if (timeout <= TimeSpan.Zero && !r.Failed("tls.handshake-timeout"))
            timeout = r.Fail("tls.handshake-timeout", "must be above 0s", TimeSpan.FromSeconds(10));
        var mode = r.Word("tls.client-certificate") switch
        {
            "none" => ClientCertificateMode.None,
            "optional" => ClientCertificateMode.Optional,
            "required" => ClientCertificateMode.Required,
            var other => r.Fail("tls.client-certificate", $"\"{other}\" is not one of none, optional, required", ClientCertificateMode.None),
        };
        var caPath = r.Text("tls.ca");
        if (certificatePath.Length == 0)
        {
            if (keyPath.Length > 0) r.Fail("tls.key", "is set but tls.certificate is not", 0);
            if (caPath.Length > 0) r.Fail("tls.ca", "is set but tls.certificate is not", 0);
            return null;
        }
        var certificate = LoadCertificate(r, certificatePath, keyPath, password);
        X509Certificate2Collection? authorities = null;
        if (caPath.Length > 0) authorities = LoadAuthorities(r, caPath);
        else if (mode != ClientCertificateMode.None)
            r.Fail("tls.ca", $"is needed with client-certificate = {mode.ToString().ToLowerInvariant()}: the CAs client certificates must chain to", 0);
        return new TlsServerOptions
        {
            Certificate = certificate,
            HandshakeTimeout = timeout,
            ClientCertificate = mode,
            ClientCertificateAuthorities = authorities,
        };
    }

    private static X509Certificate2? LoadCertificate(ConfigSection r, string path, string keyPath, string password)
    {
        if (!File.Exists(path)) return r.Fail<X509Certificate2?>("tls.certificate", $"file not found: {path}", null);
        var pkcs12 = path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);
        if (pkcs12)
        {
            if (keyPath.Length > 0) r.Fail("tls.key", "must be empty with a .pfx/.p12 certificate (the key is inside it)", 0);
            try
            {
                var all = X509CertificateLoader.LoadPkcs12CollectionFromFile(path, password.Length == 0 ? null : password);
                var certificate = all.FirstOrDefault(c => c.HasPrivateKey);
                if (certificate is null) return r.Fail<X509Certificate2?>("tls.certificate", $"{path} holds no certificate with its private key", null);
                return WithIntermediates(certificate, all.Where(c => !ReferenceEquals(c, certificate)));
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                return r.Fail<X509Certificate2?>("tls.certificate", $"cannot be read: {e.Message.TrimEnd('.')}", null);
            }
        }
        if (keyPath.Length == 0) return r.Fail<X509Certificate2?>("tls.key", "is needed with a PEM certificate", null);
        if (!File.Exists(keyPath)) return r.Fail<X509Certificate2?>("tls.key", $"file not found: {keyPath}", null);
        // The certificate file first, on its own: what fails after it is the key's fault (not a key, a wrong
        // password, another certificate's key), and the error names tls.key.
        string certificatePem, keyPem;
        var chain = new X509Certificate2Collection();
        try
        {
            certificatePem = File.ReadAllText(path);
            chain.ImportFromPem(certificatePem);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            return r.Fail<X509Certificate2?>("tls.certificate", $"cannot be read: {e.Message.TrimEnd('.')}", null);
        }
        if (chain.Count == 0) return r.Fail<X509Certificate2?>("tls.certificate", $"no PEM certificate in {path}", null);
        try
        {
            keyPem = File.ReadAllText(keyPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return r.Fail<X509Certificate2?>("tls.key", $"cannot be read: {e.Message.TrimEnd('.')}", null);
        }
        try
        {
            // The first certificate of the file is the server's; the ones after it are its intermediates.
            var certificate = password.Length == 0
                ? X509Certificate2.CreateFromPem(certificatePem, keyPem)
                : X509Certificate2.CreateFromEncryptedPem(certificatePem, keyPem, password);
            if (!certificate.HasPrivateKey) return r.Fail<X509Certificate2?>("tls.key", $"{keyPath} holds no private key for the certificate", null);
            return WithIntermediates(certificate, chain.Skip(1));
        }
        catch (CryptographicException e)
        {
            return r.Fail<X509Certificate2?>("tls.key", $"cannot be used with {path}: {e.Message.TrimEnd('.')}", null);
        }
    }

    private static X509Certificate2 WithIntermediates(X509Certificate2 certificate, IEnumerable<X509Certificate2> rest)
    {
        var intermediates = new X509Certificate2Collection(rest.ToArray());
        if (intermediates.Count > 0) ActorNet.Transport.Tls.TlsHandshake.SetIntermediates(certificate, intermediates);
        return certificate;
    }

    private static X509Certificate2Collection? LoadAuthorities(ConfigSection r, string path)
    {
        if (!File.Exists(path)) return r.Fail<X509Certificate2Collection?>("tls.ca", $"file not found: {path}", null);
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(path);
        }
        catch (CryptographicException e)
        {
            return r.Fail<X509Certificate2Collection?>("tls.ca", $"cannot be read: {e.Message.TrimEnd('.')}", null);
        }
        return authorities.Count > 0 ? authorities : r.Fail<X509Certificate2Collection?>("tls.ca", $"no PEM certificate in {path}", null);
    }
}
