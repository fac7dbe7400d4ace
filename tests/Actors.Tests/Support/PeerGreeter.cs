using ActorNet.Handlers;

namespace ActorNet.Tests.Support;

/// <summary>Writes "peer {RemoteEndPoint}\n" in its first callback, then echoes: shows whom the handler thinks it talks to.</summary>
internal sealed class PeerGreeter : IConnectionHandler
{
    private readonly EchoHandler _echo = new();

    public void OnConnect(ISocket socket) => socket.Write(System.Text.Encoding.ASCII.GetBytes($"peer {socket.RemoteEndPoint}\n"));

    public void OnData(ISocket socket, ReadOnlySpan<byte> data) => _echo.OnData(socket, data);

    public void OnDrain(ISocket socket) => _echo.OnDrain(socket);

    public void OnEnd(ISocket socket) => _echo.OnEnd(socket);
}
