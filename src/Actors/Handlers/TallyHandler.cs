using System.Globalization;
using System.Text;

namespace ActorNet.Handlers;

/// <summary>
/// Counts received bytes; when the peer ends, writes the decimal count and "\n", then ends.
/// The write inside the end callback goes out before the automatic FIN, as in Node.
/// On an idle timeout it ends without a count, and then writes none when the peer ends (a write after
/// end would fail the socket).
/// </summary>
public sealed class TallyHandler : IConnectionHandler
{
    private long _count;

    /// <inheritdoc />
    public void OnData(ISocket socket, ReadOnlySpan<byte> data) => _count += data.Length;

    /// <inheritdoc />
    public void OnEnd(ISocket socket)
    {
        if (socket.Writable)
            socket.Write(Encoding.ASCII.GetBytes(_count.ToString(CultureInfo.InvariantCulture) + "\n"));
        socket.End();
    }

    /// <inheritdoc />
    public void OnTimeout(ISocket socket) => socket.End();
}
