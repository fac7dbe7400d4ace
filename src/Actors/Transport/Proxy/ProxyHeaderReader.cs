using System.Buffers;
using System.Net.Sockets;
using Akka.Actor;

namespace ActorNet.Transport.Proxy;

/// <summary>
/// Reads the PROXY header at the start of one accepted connection, asynchronously (no thread held while it waits).
/// Bytes read past the header are kept for the handler: reads take what the kernel has, which may include the
/// client's first data (or a TLS ClientHello) sent in the same segment.
/// </summary>
internal static class ProxyHeaderReader
{
    // Room for the longest header accepted and a few bytes after it; a read never asks for more than this.
    private const int BufferSize = ProxyHeaderParser.V2MaxLength;

    /// <summary>
    /// Reads the header of <paramref name="connection"/> (attached here, for good, to a <see cref="SignalRelay"/>).
    /// With <paramref name="optional"/>, a connection that turns out to have no header is accepted as plain.
    /// <paramref name="deadline"/> is the header timeout; its cancellation ends the read.
    /// </summary>
    public static async Task<ProxyOutcome> ReadAsync(ITransportConnection connection, bool optional, IActorRefProvider provider,
        CancellationToken deadline)
    {
        var relay = new SignalRelay(connection, provider);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var filled = 0;
        try
        {
            while (true)
            {
                var parse = ProxyHeaderParser.Parse(buffer.AsSpan(0, filled));
                switch (parse.Status)
                {
                    case ProxyParseStatus.Complete:
                        var header = parse.Header!;
                        return Accept(connection, relay, header, buffer.AsSpan(header.Length, filled - header.Length), ended: false);
                    case ProxyParseStatus.NotProxy when optional:
                        return Accept(connection, relay, null, buffer.AsSpan(0, filled), ended: false);
                    case ProxyParseStatus.NotProxy:
                        return new ProxyOutcome.Rejected(ProxyOutcome.Missing, "the connection does not start with a PROXY signature");
                    case ProxyParseStatus.Malformed:
                        return new ProxyOutcome.Rejected(ProxyOutcome.Malformed, parse.Problem!);
                    case ProxyParseStatus.TooLong:
                        return new ProxyOutcome.Rejected(ProxyOutcome.TooLong, parse.Problem!);
                }
                var read = connection.TryReceive(buffer.AsSpan(filled, BufferSize - filled));
                if (read.Error == SocketError.Success && read.Bytes > 0)
                {
                    filled += read.Bytes;
                    continue;
                }
                if (read.Error == SocketError.Success)
                {
                    // The peer's FIN. Bytes that could only have become a signature are a plain client's in optional mode.
                    if (optional && parse.Status == ProxyParseStatus.MaybeSignature)
                        return Accept(connection, relay, null, buffer.AsSpan(0, filled), ended: true);
                    return new ProxyOutcome.Rejected(ProxyOutcome.Closed, $"the peer closed the connection after {filled} bytes");
                }
                if (read.Error != SocketError.WouldBlock)
                    return new ProxyOutcome.Rejected(ProxyOutcome.Closed, $"{read.Error} after {filled} bytes");
                Protocol.TransportSignal.Failed? failed;
                try
                {
                    failed = await relay.WaitReadableAsync().WaitAsync(deadline).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // A client that speaks only after the server (or sent a prefix and waits) is plain in optional mode.
                    if (optional && parse.Status == ProxyParseStatus.MaybeSignature)
                        return Accept(connection, relay, null, buffer.AsSpan(0, filled), ended: false);
                    throw;
                }
                if (failed is not null)
                    return new ProxyOutcome.Rejected(ProxyOutcome.Closed, $"{failed.Error} after {filled} bytes");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ProxyOutcome.Accepted Accept(ITransportConnection connection, SignalRelay relay, ProxyHeader? header,
        ReadOnlySpan<byte> early, bool ended)
    {
        var remote = header?.Source ?? connection.RemoteEndPoint;
        return new ProxyOutcome.Accepted(new ProxiedConnection(connection, relay, remote, early.ToArray(), ended), header);
    }
}
