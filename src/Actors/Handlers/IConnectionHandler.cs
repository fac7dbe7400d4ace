using ActorNet.Protocol;

namespace ActorNet.Handlers;

/// <summary>
/// Application code for one connection, called inside the connection's socket actor (so never
/// concurrently, and never blocking: a slow call holds up this connection). One instance per
/// connection. Event order follows Node: Connect, Data*, End, Close; Error right before Close(true);
/// Timeout and Drain any time while open.
/// </summary>
public interface IConnectionHandler
{
    /// <summary>The connection is open. Reading starts after this returns unless paused.</summary>
    void OnConnect(ISocket socket) { }

    /// <summary>Bytes from the peer. The span is only valid during the call: consume or copy it.</summary>
    void OnData(ISocket socket, ReadOnlySpan<byte> data);

    /// <summary>The peer sent FIN. With allow-half-open off, writes made here still go out, then the socket ends itself.</summary>
    void OnEnd(ISocket socket) { }

    /// <summary>The write queue was flushed below the high-water mark after <see cref="ISocket.Write"/> returned false.</summary>
    void OnDrain(ISocket socket) { }

    /// <summary>The idle timeout expired. Nothing else happens unless the handler acts (usually <see cref="ISocket.End"/>).</summary>
    void OnTimeout(ISocket socket) { }

    /// <summary>An error; <see cref="OnClose"/> with <c>hadError = true</c> follows.</summary>
    void OnError(ISocket socket, NetError error) { }

    /// <summary>The socket is closed; nothing more will be called.</summary>
    void OnClose(ISocket socket, bool hadError) { }
}
