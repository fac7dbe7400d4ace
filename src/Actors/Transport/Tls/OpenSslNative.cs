using System.Runtime.InteropServices;

namespace ActorNet.Transport.Tls;

/// <summary>
/// The few OpenSSL 3 calls <see cref="OpenSslChannel"/> makes on an <c>SSL*</c> that .NET created, with blittable
/// signatures. The ones that only read a counter skip the GC transition: they return in nanoseconds.
/// </summary>
internal static unsafe class OpenSslNative
{
    private const string Ssl = "libssl.so.3";
    private const string Crypto = "libcrypto.so.3";

    public const int ErrorSsl = 1;         // SSL_ERROR_SSL
    public const int ErrorWantRead = 2;    // SSL_ERROR_WANT_READ
    public const int ErrorSyscall = 5;     // SSL_ERROR_SYSCALL
    public const int ErrorZeroReturn = 6;  // SSL_ERROR_ZERO_RETURN: the peer's close_notify
    public const ulong NoRenegotiation = 1UL << 30; // SSL_OP_NO_RENEGOTIATION
    private const int BioCtrlPending = 10; // BIO_CTRL_PENDING

    [DllImport(Ssl, ExactSpelling = true)]
    public static extern int SSL_read(IntPtr ssl, byte* buffer, int length);

    [DllImport(Ssl, ExactSpelling = true)]
    public static extern int SSL_write(IntPtr ssl, byte* buffer, int length);

    [DllImport(Ssl, ExactSpelling = true)]
    public static extern int SSL_shutdown(IntPtr ssl);

    [DllImport(Ssl, ExactSpelling = true), SuppressGCTransition]
    public static extern void SSL_set_quiet_shutdown(IntPtr ssl, int mode);

    // Not without the GC transition: it may set up the thread's error state (under a global lock) on first use.
    [DllImport(Ssl, ExactSpelling = true)]
    public static extern int SSL_get_error(IntPtr ssl, int result);

    [DllImport(Ssl, ExactSpelling = true), SuppressGCTransition]
    public static extern int SSL_has_pending(IntPtr ssl);

    [DllImport(Ssl, ExactSpelling = true), SuppressGCTransition]
    public static extern ulong SSL_set_options(IntPtr ssl, ulong options);

    [DllImport(Ssl, ExactSpelling = true), SuppressGCTransition]
    public static extern int SSL_pending(IntPtr ssl);

    [DllImport(Ssl, ExactSpelling = true), SuppressGCTransition]
    public static extern IntPtr SSL_get_rbio(IntPtr ssl);

    [DllImport(Ssl, ExactSpelling = true), SuppressGCTransition]
    public static extern IntPtr SSL_get_wbio(IntPtr ssl);

    [DllImport(Crypto, ExactSpelling = true)]
    public static extern int BIO_read(IntPtr bio, byte* buffer, int length);

    [DllImport(Crypto, ExactSpelling = true)]
    public static extern int BIO_write(IntPtr bio, byte* buffer, int length);

    [DllImport(Crypto, ExactSpelling = true), SuppressGCTransition]
    private static extern long BIO_ctrl(IntPtr bio, int command, long argument, IntPtr pointer);

    [DllImport(Crypto, ExactSpelling = true)]
    public static extern void ERR_clear_error();

    /// <summary>Bytes waiting in a memory BIO.</summary>
    public static int Pending(IntPtr bio) => (int)BIO_ctrl(bio, BioCtrlPending, 0, IntPtr.Zero);
}
