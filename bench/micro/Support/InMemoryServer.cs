using System.Net;
using System.Net.Sockets;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Server;
using ActorNet.Transport.InMemory;
using Akka.Actor;
using Akka.Configuration;

namespace ActorNet.Bench.Micro.Support;

/// <summary>
/// An ActorSystem with one <see cref="ServerActor"/> listening on the in-memory transport, built through the
/// public API only (what README's "Writing a handler" does, with <c>transport = in-memory</c>).
/// </summary>
public sealed class InMemoryServer : IDisposable
{
    /// <summary>Socket actors on Akka's default dispatcher: the library's default (a thread hop per message).</summary>
    public const string DefaultDispatcher = "default";

    /// <summary>
    /// Socket actors on <c>actornet.socket-dispatcher</c> with the event-loop executor, as hocon/server.conf
    /// configures the executable: a socket actor runs on the thread that told it, so on the in-memory
    /// transport the whole round trip runs on the benchmark thread (pure CPU cost, no hand-off).
    /// </summary>
    public const string EventLoopDispatcher = "event-loop";

    private const string EventLoopConfig = """
        actornet.socket-dispatcher {
          type = Dispatcher
          executor = "ActorNet.Dispatch.EventLoopExecutorConfigurator, ActorNet.Actors"
          throughput = 64
        }
        """;

    private const string QuietConfig = """
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        akka.log-dead-letters = off
        akka.log-dead-letters-during-shutdown = off
        """;

    private InMemoryServer(ActorSystem system, int port)
    {
        System = system;
        Port = port;
    }

    public ActorSystem System { get; }

    /// <summary>The in-memory port the server listens on (<see cref="InMemoryTransport.Connect"/>).</summary>
    public int Port { get; }

    /// <summary>Starts a server whose connections run <paramref name="handlerFactory"/>'s handlers.</summary>
    public static InMemoryServer Start(string dispatcher, Func<IConnectionHandler> handlerFactory, ServerOptions? options = null)
    {
        var config = dispatcher switch
        {
            DefaultDispatcher => QuietConfig,
            EventLoopDispatcher => QuietConfig + "\n" + EventLoopConfig,
            _ => throw new ArgumentException($"unknown dispatcher \"{dispatcher}\"", nameof(dispatcher)),
        };
        var system = ActorSystem.Create("bench", ConfigurationFactory.ParseString(config));
        try
        {
            var serverOptions = (options ?? new ServerOptions()) with { Transport = "in-memory", Port = 0 };
            var server = system.ActorOf(ServerActor.Props(serverOptions, handlerFactory, InMemoryTransport.Instance), "server");
            var reply = server.Ask<object>(ServerProtocol.Listen.Instance, TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            if (reply is not ServerProtocol.Listening { EndPoint: DnsEndPoint endPoint })
                throw new InvalidOperationException($"the in-memory server did not listen: {reply}");
            return new InMemoryServer(system, endPoint.Port);
        }
        catch
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
            throw;
        }
    }

    /// <summary>Connects a peer (the client end) with <paramref name="bufferSize"/> bytes of "kernel buffer" per direction.</summary>
    public InMemoryPeer Connect(int bufferSize = 64 * 1024) =>
        new(System, InMemoryTransport.Instance.Connect(Port, bufferSize));

    public void Dispose() => System.Terminate().Wait(TimeSpan.FromSeconds(10));
}

/// <summary>
/// The client end of an in-memory connection, driven synchronously from the benchmark thread: non-blocking
/// sends and reads, and a wait on the transport's readiness notification (no actor, no probe in between).
/// </summary>
public sealed class InMemoryPeer : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly InMemoryConnection _connection;
    private readonly ManualResetEventSlim _readable = new(false);

    internal InMemoryPeer(ActorSystem system, InMemoryConnection connection)
    {
        _connection = connection;
        _connection.Attach(new SignalRef(((ExtendedActorSystem)system).Provider, _readable));
    }

    /// <summary>Sends all of <paramref name="data"/> now; it must fit in the connection's buffer.</summary>
    public void Send(ReadOnlySpan<byte> data)
    {
        var n = _connection.TrySend(data, out var error);
        if (error != SocketError.Success || n != data.Length)
            throw new InvalidOperationException($"peer send: {n} of {data.Length} bytes, {error}");
    }

    /// <summary>Reads until <paramref name="count"/> bytes arrived (into <paramref name="scratch"/>, reused), waiting when none are ready.</summary>
    public void Receive(int count, Span<byte> scratch)
    {
        var got = 0;
        while (got < count)
        {
            var (n, error, _) = _connection.TryReceive(scratch[..Math.Min(scratch.Length, count - got)]);
            if (error == SocketError.Success)
            {
                if (n == 0) throw new InvalidOperationException($"peer receive: FIN after {got} of {count} bytes");
                got += n;
                continue;
            }
            if (error != SocketError.WouldBlock) throw new InvalidOperationException($"peer receive: {error} after {got} of {count} bytes");
            // Reset before arming: a notification for data that came meanwhile sets it again at once.
            _readable.Reset();
            _connection.WaitReadable();
            if (!_readable.Wait(Patience))
                throw new TimeoutException($"peer receive: nothing for {Patience.TotalSeconds} s after {got} of {count} bytes");
        }
    }

    public void Dispose()
    {
        _connection.Close();
        _readable.Dispose();
    }

    /// <summary>The "owner" the transport tells Received to: sets the event on the telling thread, no mailbox.</summary>
    private sealed class SignalRef(IActorRefProvider provider, ManualResetEventSlim readable) : MinimalActorRef
    {
        public override ActorPath Path { get; } = provider.TempPath();

        public override IActorRefProvider Provider => provider;

        protected override void TellInternal(object message, IActorRef sender)
        {
            // Received (readable or FIN); SendCompleted/TransportFailed only follow SendAsync, which the peer does not use.
            if (message is TransportSignal.Readable) readable.Set();
        }
    }
}
