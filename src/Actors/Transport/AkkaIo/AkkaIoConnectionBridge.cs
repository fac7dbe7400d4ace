using System.Net.Sockets;
using Akka.Actor;
using Akka.IO;
using ActorNet.Protocol;

namespace ActorNet.Transport.AkkaIo;

/// <summary>
/// Registered with Akka's connection actor in place of the socket actor, so that the socket actor can stop
/// as soon as it closed while Akka finishes the close (Akka resets a connection whose handler died).
/// Turns Akka's Tcp events into the socket actor's inputs.
/// </summary>
internal sealed class AkkaIoConnectionBridge : ActorBase
{
    private readonly IActorRef _tcp;
    private AkkaIoConnection? _connection;
    private IActorRef _owner = ActorRefs.Nobody;

    public AkkaIoConnectionBridge(IActorRef tcp)
    {
        _tcp = tcp;
    }

    public static Props Props(IActorRef tcp) => Akka.Actor.Props.Create(() => new AkkaIoConnectionBridge(tcp));

    protected override void PreStart() => Context.Watch(_tcp);

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case Bind bind:
                _connection = bind.Connection;
                // keepOpenOnPeerClosed: half-open is ActorNet's decision, and pending writes flush before the auto-end.
                _tcp.Tell(new Tcp.Register(Self, keepOpenOnPeerClosed: true, useResumeWriting: false));
                return true;
            case Attached attached:
                _owner = attached.Owner;
                Context.Watch(_owner);
                return true;
            case Tcp.Received received:
                _connection?.Deliver(received.Data.ToArray());
                return true;
            case Tcp.PeerClosed:
                _connection?.DeliverEof();
                return true;
            case Tcp.ConfirmedClosed:
                _connection?.DeliverEof();
                Context.Stop(Self);
                return true;
            case Tcp.ErrorClosed:
                // Akka.IO keeps only the error's text; a reset is by far the usual cause.
                _connection?.DeliverError(SocketError.ConnectionReset);
                Context.Stop(Self);
                return true;
            case Tcp.ConnectionClosed:
                Context.Stop(Self);
                return true;
            case WriteAck ack:
                _owner.Tell(new SocketInput.SendCompleted(ack.Bytes));
                return true;
            case Tcp.CommandFailed failed:
                _owner.Tell(new SocketInput.TransportFailed(failed.Cmd is Tcp.Write ? SocketError.NoBufferSpaceAvailable : SocketError.SocketError,
                    failed.Cmd is Tcp.Write ? "write" : "close"));
                return true;
            case Terminated t when t.ActorRef.Equals(_tcp):
                Context.Stop(Self);
                return true;
            case Terminated t when t.ActorRef.Equals(_owner):
                // The socket actor is gone: if it did not close (it failed), reset; otherwise Akka is finishing the close.
                if (_connection is { CloseRequested: false }) _tcp.Tell(Tcp.Abort.Instance);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Ties the bridge to its connection object (sent once, before anything else).</summary>
    public sealed record Bind(AkkaIoConnection Connection);

    /// <summary>The socket actor took the connection.</summary>
    public sealed record Attached(IActorRef Owner);

    /// <summary>The ack of one Tcp.Write of <paramref name="bytes"/> bytes.</summary>
    public sealed class WriteAck(int bytes) : Tcp.Event
    {
        public int Bytes { get; } = bytes;
    }
}
