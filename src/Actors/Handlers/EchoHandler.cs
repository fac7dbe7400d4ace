namespace ActorNet.Handlers;

/// <summary>
/// Writes back every byte in order, like Node's <c>socket.pipe(socket)</c>: stops reading while its
/// writes are above the high-water mark, resumes on drain, ends its side once the peer ended and
/// everything was echoed. Ends gracefully on an idle timeout; once its side is ended it reads on and
/// drops what arrives (a write after end would fail the socket and reset the peer), so the socket closes
/// when the peer ends.
/// </summary>
public sealed class EchoHandler : IConnectionHandler
{
    /// <inheritdoc />
    public void OnData(ISocket socket, ReadOnlySpan<byte> data)
    {
        // Node's pipe stops writing once the destination is no longer writable (it unpipes on 'finish').
        if (!socket.Writable) return;
        if (!socket.Write(data)) socket.Pause();
    }

    /// <inheritdoc />
    public void OnDrain(ISocket socket) => socket.Resume();

    /// <inheritdoc />
    public void OnEnd(ISocket socket) => socket.End();

    /// <inheritdoc />
    public void OnTimeout(ISocket socket) => socket.End();
}
