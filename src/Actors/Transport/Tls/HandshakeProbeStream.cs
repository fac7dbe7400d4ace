namespace ActorNet.Transport.Tls;

/// <summary>
/// Passes reads and writes through to a <see cref="CipherStream"/>, and during a client handshake notes what the
/// peer sent first and whether it ended: that tells "the server speaks no TLS" and "disconnected before the handshake"
/// apart from other failures, which <see cref="System.Net.Security.SslStream"/> does not say in a way to rely on.
/// After the handshake (<see cref="StopProbing"/>) it only forwards.
/// </summary>
internal sealed class HandshakeProbeStream(CipherStream inner) : AsyncOnlyStream
{
    private readonly byte[] _header = new byte[5];
    private volatile bool _probing = true;

    /// <summary>How many of the peer's first bytes are in <see cref="Header"/> (up to 5: one TLS record header).</summary>
    public int HeaderLength { get; private set; }

    /// <summary>The peer's first bytes.</summary>
    public ReadOnlySpan<byte> Header => _header.AsSpan(0, HeaderLength);

    /// <summary>The peer's data ended (FIN) during the handshake.</summary>
    public bool SawEnd { get; private set; }

    /// <summary>The handshake is over: forward only.</summary>
    public void StopProbing() => _probing = false;

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _probing ? ProbeAsync(buffer, cancellationToken) : inner.ReadAsync(buffer, cancellationToken);

    private async ValueTask<int> ProbeAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (n == 0 && !buffer.IsEmpty) SawEnd = true;
        else if (HeaderLength < _header.Length)
        {
            var take = Math.Min(n, _header.Length - HeaderLength);
            buffer.Span[..take].CopyTo(_header.AsSpan(HeaderLength));
            HeaderLength += take;
        }
        return n;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);
}
