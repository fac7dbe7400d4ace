using Akka.Actor;

namespace ActorNet.Transport;

/// <summary>
/// An <see cref="IActorRef"/> that is no actor: what is told to it is handed to a callback on the teller's thread.
/// The TLS and PROXY layers attach the connection underneath to one, so that the transport's signals (readable,
/// sent, failed) reach the layer's pending reads and writes without a mailbox hop.
/// </summary>
internal sealed class SignalSink(IActorRefProvider provider, Action<object> onSignal) : MinimalActorRef
{
    private readonly ActorPath _path = provider.TempPath();

    public override ActorPath Path => _path;

    public override IActorRefProvider Provider => provider;

    protected override void TellInternal(object message, IActorRef sender) => onSignal(message);
}
