namespace ActorNet.Handlers;

/// <summary>RFC 863: reads and drops everything, never writes. Ends gracefully on an idle timeout.</summary>
public sealed class DiscardHandler : IConnectionHandler
{
    /// <inheritdoc />
    public void OnData(ISocket socket, ReadOnlySpan<byte> data) { }

    /// <inheritdoc />
    public void OnTimeout(ISocket socket) => socket.End();
}
