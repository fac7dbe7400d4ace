using ActorNet.Protocol;

namespace ActorNet.Handlers;

/// <summary>
/// Passes every callback to an inner handler; derive and override the ones to observe or change
/// (ActorNet's connect awaiter and reconnector do, and so can a handler that adds logging or metrics).
/// </summary>
public abstract class HandlerDecorator(IConnectionHandler inner) : IConnectionHandler
{
    /// <summary>The handler every callback goes to.</summary>
    protected IConnectionHandler Inner { get; } = inner;

    /// <inheritdoc />
    public virtual void OnConnect(ISocket socket) => Inner.OnConnect(socket);

    /// <inheritdoc />
    public virtual void OnData(ISocket socket, ReadOnlySpan<byte> data) => Inner.OnData(socket, data);

    /// <inheritdoc />
    public virtual void OnEnd(ISocket socket) => Inner.OnEnd(socket);

    /// <inheritdoc />
    public virtual void OnDrain(ISocket socket) => Inner.OnDrain(socket);

    /// <inheritdoc />
    public virtual void OnTimeout(ISocket socket) => Inner.OnTimeout(socket);

    /// <inheritdoc />
    public virtual void OnError(ISocket socket, NetError error) => Inner.OnError(socket, error);

    /// <inheritdoc />
    public virtual void OnClose(ISocket socket, bool hadError) => Inner.OnClose(socket, hadError);
}
