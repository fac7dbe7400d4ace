namespace ActorNet.Handlers;

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
