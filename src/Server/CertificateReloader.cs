using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using ActorNet.Options;
using Serilog;

namespace ActorNet.Server;

/// <summary>
/// SIGHUP reloads the TLS certificate and key from the files the configuration names (a renewed certificate
/// without a restart): new handshakes use the new one, live connections keep theirs. A file that cannot be read
/// is logged and the previous certificate stays.
/// </summary>
internal sealed class CertificateReloader : IDisposable
{
    private readonly Func<ServerOptions> _read;
    private readonly PosixSignalRegistration _sighup;
    private volatile X509Certificate2 _current;

    private CertificateReloader(Func<ServerOptions> read, X509Certificate2 current)
    {
        _read = read;
        _current = current;
        _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSighup);
    }

    /// <summary>
    /// With TLS on, <paramref name="options"/> with a certificate selector that follows reloads (and the reloader, to
    /// dispose at exit); without TLS, the options as they are and no reloader. <paramref name="read"/> reads that
    /// server's options again from the configuration.
    /// </summary>
    public static (ServerOptions Options, CertificateReloader? Reloader) Attach(ServerOptions options, Func<ServerOptions> read)
    {
        if (options.Tls?.Certificate is not { } certificate) return (options, null);
        var reloader = new CertificateReloader(read, certificate);
        return (options with { Tls = options.Tls with { CertificateSelector = _ => reloader._current } }, reloader);
    }

    private void OnSighup(PosixSignalContext context)
    {
        context.Cancel = true;
        try
        {
            // The same reader as at start, so a bad file is reported the same way, naming its key.
            var reloaded = _read().Tls?.Certificate;
            if (reloaded is null) return;
            _current = reloaded;
            Log.Information("Reloaded the TLS certificate {Subject} (expires {NotAfter:yyyy-MM-dd}) on SIGHUP",
                reloaded.Subject, reloaded.NotAfter);
        }
        catch (ConfigException e)
        {
            Log.Error("TLS certificate reload failed, keeping the previous certificate: {Error}", e.Message);
        }
    }

    public void Dispose() => _sighup.Dispose();
}
