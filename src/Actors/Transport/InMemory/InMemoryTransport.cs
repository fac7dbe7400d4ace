using System.Collections.Concurrent;
using System.Net;
using Akka.Actor;
using ActorNet.Protocol;

namespace ActorNet.Transport.InMemory;

/// <summary>
/// Listeners reachable only inside this process, by port (<c>transport = in-memory</c>): a server on it is
/// driven with <see cref="Connect"/>, which hands the server one end of a connected <see cref="InMemoryConnection"/> pair.
/// </summary>
public sealed class InMemoryTransport : ITransport
{
    private readonly ConcurrentDictionary<int, InMemoryListener> _listeners = new();
    private int _nextPort = 49152;

    /// <summary>The process-wide instance the server uses for <c>transport = in-memory</c>.</summary>
    public static InMemoryTransport Instance { get; } = new();

    /// <inheritdoc />
    public ITransportListener Listen(ListenSpec spec)
    {
        if (spec.Descriptor is { } descriptor)
            throw new NetException(new NetError("ERR_TRANSPORT_UNSUPPORTED", "listen", "the in-memory transport has no descriptors",
                $"fd {descriptor}"));
        var port = spec.Port == 0 ? Interlocked.Increment(ref _nextPort) : spec.Port;
        var listener = new InMemoryListener(this, port);
        if (!_listeners.TryAdd(port, listener))
            throw new NetException(new NetError("EADDRINUSE", "listen", "address already in use", "in-memory", port));
        return listener;
    }

    /// <summary>Connects to the in-memory listener on <paramref name="port"/>; returns the client's end.</summary>
    /// <exception cref="NetException">ECONNREFUSED when nothing listens there.</exception>
    public InMemoryConnection Connect(int port, int bufferSize = 64 * 1024)
    {
        if (!_listeners.TryGetValue(port, out var listener) || !listener.Accept(bufferSize, out var client))
            throw new NetException(new NetError("ECONNREFUSED", "connect", "connection refused", "in-memory", port));
        return client;
    }

    private void Remove(int port, InMemoryListener listener) => _listeners.TryRemove(new(port, listener));

    private sealed class InMemoryListener(InMemoryTransport transport, int port) : ITransportListener
    {
        // Like a listen backlog: connections made before the accept loop starts wait here.
        private readonly Queue<InMemoryConnection> _backlog = new();
        private IActorRef _connections = ActorRefs.Nobody;
        private bool _closed;

        public EndPoint LocalEndPoint { get; } = new DnsEndPoint("in-memory", port);

        public void StartAccepting(IActorRef connections, IActorRef errors)
        {
            lock (_backlog)
            {
                _connections = connections;
                while (_backlog.TryDequeue(out var waiting)) _connections.Tell(new TransportAccepted(waiting), ActorRefs.NoSender);
            }
        }

        public void ResumeAccepting() { }

        public void Close()
        {
            lock (_backlog)
            {
                _closed = true;
                while (_backlog.TryDequeue(out var waiting)) waiting.Abort();
            }
            transport.Remove(port, this);
        }

        public bool Accept(int bufferSize, out InMemoryConnection client)
        {
            var (server, clientEnd) = InMemoryConnection.CreatePair(bufferSize);
            client = clientEnd;
            lock (_backlog)
            {
                if (_closed) return false;
                if (_connections.IsNobody()) _backlog.Enqueue(server);
                else _connections.Tell(new TransportAccepted(server), ActorRefs.NoSender);
                return true;
            }
        }
    }
}
