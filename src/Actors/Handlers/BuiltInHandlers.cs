using System.Globalization;
using System.Text;

namespace ActorNet.Handlers;

/// <summary>The handlers the library ships, by the names <c>actornet.server.handler</c> takes.</summary>
public static class BuiltInHandlers
{
    /// <summary>A factory for <paramref name="name"/> (echo, discard, tally), or null when unknown.</summary>
    public static Func<IConnectionHandler>? Find(string name) => name switch
    {
        "echo" => static () => new EchoHandler(),
        "discard" => static () => new DiscardHandler(),
        "tally" => static () => new TallyHandler(),
        _ => null,
    };
}

/// <summary>
/// Writes back every byte in order, like Node's <c>socket.pipe(socket)</c>: stops reading while its
/// writes are above the high-water mark, resumes on drain, ends its side once the peer ended and
/// everything was echoed. Ends gracefully on an idle timeout.
/// </summary>
public sealed class EchoHandler : IConnectionHandler
{
    /// <inheritdoc />
    public void OnData(ISocket socket, ReadOnlySpan<byte> data)
    {
        if (!socket.Write(data)) socket.Pause();
    }

    /// <inheritdoc />
    public void OnDrain(ISocket socket) => socket.Resume();

    /// <inheritdoc />
    public void OnEnd(ISocket socket) => socket.End();

    /// <inheritdoc />
    public void OnTimeout(ISocket socket) => socket.End();
}

/// <summary>RFC 863: reads and drops everything, never writes. Ends gracefully on an idle timeout.</summary>
public sealed class DiscardHandler : IConnectionHandler
{
    /// <inheritdoc />
    public void OnData(ISocket socket, ReadOnlySpan<byte> data) { }

    /// <inheritdoc />
    public void OnTimeout(ISocket socket) => socket.End();
}

/// <summary>
/// Counts received bytes; when the peer ends, writes the decimal count and "\n", then ends.
/// The write inside the end callback goes out before the automatic FIN, as in Node.
/// On an idle timeout it ends without a count.
/// </summary>
public sealed class TallyHandler : IConnectionHandler
{
    private long _count;

    /// <inheritdoc />
    public void OnData(ISocket socket, ReadOnlySpan<byte> data) => _count += data.Length;

    /// <inheritdoc />
    public void OnEnd(ISocket socket)
    {
        socket.Write(Encoding.ASCII.GetBytes(_count.ToString(CultureInfo.InvariantCulture) + "\n"));
        socket.End();
    }

    /// <inheritdoc />
    public void OnTimeout(ISocket socket) => socket.End();
}
