using Akka.Actor;
using ActorNet.Handlers;
using ActorNet.Protocol;

namespace ActorNet.Tests.Support;

/// <summary>Echo that also tells <paramref name="probe"/> its socket on connect, so a test can inspect it.</summary>
internal sealed class ReportingEcho(IActorRef probe) : IConnectionHandler
{
    private readonly EchoHandler _echo = new();

    public void OnConnect(ISocket socket) => probe.Tell(new Opened(socket));

    public void OnData(ISocket socket, ReadOnlySpan<byte> data) => _echo.OnData(socket, data);

    public void OnDrain(ISocket socket) => _echo.OnDrain(socket);

    public void OnEnd(ISocket socket) => _echo.OnEnd(socket);

    public void OnClose(ISocket socket, bool hadError) => probe.Tell(new SocketProtocol.Closed(socket.Self, hadError));
}

/// <summary>A connection opened; the handler's socket (touch it only through messages or from the handler).</summary>
internal sealed record Opened(ISocket Socket);

/// <summary>Throws on the first byte, to show a failing handler costs only its own connection.</summary>
internal sealed class CrashingHandler : IConnectionHandler
{
    public void OnData(ISocket socket, ReadOnlySpan<byte> data) => throw new InvalidOperationException("handler bug");
}
