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
internal sealed class AkkaIoConnectionBridge : ActorBase, IWithTimers
{
    // How long Akka may take to finish a close after the socket actor stopped.
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    private readonly IActorRef _tcp;
    private AkkaIoConnection? _connection;
    private IActorRef _owner = ActorRefs.Nobody;
    private bool _reading;
    private bool _finishing;

    /// <summary>The close grace's timer (Akka sets it).</summary>
    public ITimerScheduler Timers { get; set; } = null!;

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
            case ReadOnce:
                // Pull mode: one ResumeReading per chunk. Sent only after Register (this bridge sent it), because
                // Register resets Akka's reading to suspended.
                if (!_reading)
                {
                    _reading = true;
                    _tcp.Tell(Tcp.ResumeReading.Instance);
                }
                return true;
            case Tcp.Received when _finishing:
                // The owner closed: what the peer still sends is dropped, as a closed socket would.
                _tcp.Tell(Tcp.ResumeReading.Instance);
                return true;
            case Tcp.Received received:
                _reading = false;
                _connection?.Deliver(received.Data.ToArray());
                return true;
            case FinishClose:
                // Our FIN is out and the owner is done: read to the peer's FIN so that Akka ends the connection
                // (ConfirmedClosed), for at most the grace; then end the bridge, and Akka resets.
                _finishing = true;
                if (!_reading) _tcp.Tell(Tcp.ResumeReading.Instance);
                _reading = true;
                // A deadline, not an idle timeout: a peer that keeps sending must not keep the connection open.
                Timers.StartSingleTimer(Reset.Instance, Reset.Instance, CloseGrace); // cancelled if the bridge stops first
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
                _owner.Tell(new TransportSignal.Sent(ack.Bytes));
                return true;
            case Tcp.CommandFailed failed:
                _owner.Tell(new TransportSignal.Failed(failed.Cmd is Tcp.Write ? SocketError.NoBufferSpaceAvailable : SocketError.SocketError,
                    failed.Cmd is Tcp.Write ? "write" : "close"));
                return true;
            case Terminated t when t.ActorRef.Equals(_tcp):
                Context.Stop(Self);
                return true;
            case Terminated t when t.ActorRef.Equals(_owner):
                // The socket actor is gone: if it did not close (it failed), reset; otherwise give Akka a moment to
                // finish the close, then end the bridge, which makes Akka reset whatever is still open.
                if (_connection is { CloseRequested: false }) _tcp.Tell(Tcp.Abort.Instance);
                Context.SetReceiveTimeout(CloseGrace);
                return true;
            case ReceiveTimeout:
            case Reset:
                Context.Stop(Self);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Ties the bridge to its connection object (sent once, before anything else).</summary>
    public sealed record Bind(AkkaIoConnection Connection);

    /// <summary>Reset now: the bridge stops, and Akka resets a connection whose handler is gone.</summary>
    public sealed record Reset
    {
        public static Reset Instance { get; } = new();
    }

    /// <summary>The owner closed after our FIN was sent: read until the peer's FIN, then Akka ends the connection.</summary>
    public sealed record FinishClose
    {
        public static FinishClose Instance { get; } = new();
    }

    /// <summary>The socket actor waits for data: read one more chunk unless a read is under way.</summary>
    public sealed record ReadOnce
    {
        public static ReadOnce Instance { get; } = new();
    }

    /// <summary>The socket actor took the connection.</summary>
    public sealed record Attached(IActorRef Owner);

    /// <summary>The ack of one Tcp.Write of <paramref name="bytes"/> bytes.</summary>
    public sealed class WriteAck(int bytes) : Tcp.Event
    {
        public int Bytes { get; } = bytes;
    }
}
