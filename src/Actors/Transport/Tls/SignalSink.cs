using Akka.Actor;

namespace ActorNet.Transport.Tls;

/// <summary>
/// An <see cref="IActorRef"/> that is no actor: what is told to it is handed to a callback on the teller's thread.
/// The TLS layer attaches the connection underneath to it, so that the transport's signals (readable, sent, failed)
/// complete the encrypted stream's pending reads and writes without a mailbox hop.
/// </summary>
internal sealed class SignalSink(IActorRefProvider provider, Action<object> onSignal) : MinimalActorRef
{
    private readonly ActorPath _path = provider.TempPath();

    public override ActorPath Path => _path;

    public override IActorRefProvider Provider => provider;

    protected override void TellInternal(object message, IActorRef sender) => onSignal(message);
}
