using System.Net.Security;
using System.Reflection;
using System.Runtime.InteropServices;

namespace ActorNet.Transport.Tls;

/// <summary>
/// Lets OpenSSL free a connection's record buffers whenever they are empty (<c>SSL_MODE_RELEASE_BUFFERS</c>, which
/// Node sets on every TLS socket). .NET keeps them, about 16 KiB per idle connection, and has no API for the mode,
/// so the <c>SSL*</c> is taken from SslStream's private security context.
/// </summary>
/// <remarks>
/// Only where it is known to hold: Linux, the runtime's field as found on .NET 10, and exactly one OpenSSL 3 loaded
/// (the one .NET uses, so the pointer and the library agree). Anywhere else nothing happens and the connection
/// keeps its buffers. Must run when no read or write is in progress on the stream: right after the handshake.
/// </remarks>
internal static class OpenSslBuffers
{
    private const int SslCtrlMode = 33;            // SSL_CTRL_MODE
    private const long SslModeReleaseBuffers = 0x10;  // SSL_MODE_RELEASE_BUFFERS

    private static readonly FieldInfo? SecurityContext = Find();

    /// <summary>Whether <see cref="Release"/> can act in this process (checked once, after .NET loaded OpenSSL).</summary>
    public static bool Available => AvailableOnce.Value;

    private static readonly Lazy<bool> AvailableOnce = new(() => SecurityContext is not null && OneOpenSsl3Loaded());

    /// <summary>
    /// Sets the mode on the stream's SSL object; false when it could not (see the remarks). Call it after a completed
    /// handshake, before the first read or write.
    /// </summary>
    public static bool Release(SslStream ssl)
    {
        if (!Available || SecurityContext!.GetValue(ssl) is not SafeHandle { IsInvalid: false, IsClosed: false } context)
            return false;
        var added = false;
        try
        {
            context.DangerousAddRef(ref added);
            var mode = SSL_ctrl(context.DangerousGetHandle(), SslCtrlMode, SslModeReleaseBuffers, IntPtr.Zero);
            return (mode & SslModeReleaseBuffers) != 0;
        }
        finally
        {
            if (added) context.DangerousRelease();
        }
    }

    /// <summary>The SSL object's mode bits (<c>SSL_CTRL_MODE</c> with nothing added), or null where <see cref="Release"/> cannot act.</summary>
    internal static long? Mode(SslStream ssl) =>
        Available && SecurityContext!.GetValue(ssl) is SafeHandle { IsInvalid: false, IsClosed: false } context
            ? SSL_ctrl(context.DangerousGetHandle(), SslCtrlMode, 0, IntPtr.Zero)
            : null;

    /// <summary>
    /// The stream's <c>SSL*</c> handle after its handshake, or null where <see cref="Release"/> cannot act (the same
    /// conditions): what <see cref="OpenSslChannel"/> reads and writes records with.
    /// </summary>
    internal static SafeHandle? Context(SslStream ssl) =>
        Available && SecurityContext!.GetValue(ssl) is SafeHandle { IsInvalid: false, IsClosed: false } context ? context : null;

    private static FieldInfo? Find()
    {
        if (!OperatingSystem.IsLinux() || Environment.Version.Major != 10) return null;
        var field = typeof(SslStream).GetField("_securityContext", BindingFlags.NonPublic | BindingFlags.Instance);
        return field?.FieldType.FullName == "System.Net.Security.SafeDeleteSslContext" && typeof(SafeHandle).IsAssignableFrom(field.FieldType)
            ? field
            : null;
    }

    // The libssl mapped into this process: SSL_ctrl must come from the library that made the SSL object.
    private static bool OneOpenSsl3Loaded()
    {
        var libraries = File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6 && Path.GetFileName(fields[5]).StartsWith("libssl.so", StringComparison.Ordinal))
            .Select(fields => fields[5])
            .Distinct()
            .ToList();
        var name = Path.GetFileName(libraries.FirstOrDefault() ?? "");
        return libraries.Count == 1 && (name == "libssl.so.3" || name.StartsWith("libssl.so.3.", StringComparison.Ordinal));
    }

    [DllImport("libssl.so.3")]
    private static extern long SSL_ctrl(IntPtr ssl, int cmd, long larg, IntPtr parg);
}
