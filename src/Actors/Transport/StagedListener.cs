using System.Collections.Concurrent;
using System.Net;
using Akka.Actor;

namespace ActorNet.Transport;

/// <summary>
/// A listener that wraps another and hands each accepted connection on only after a stage of its own has run on it
/// (a TLS handshake, a PROXY header): asynchronously per connection, no thread held, bounded by
/// <see cref="StageTimeout"/>. A connection whose stage is still running when the server closes is dropped
/// (reset, not counted), like one not yet accepted.
/// </summary>
internal abstract class StagedListener(ITransportListener inner, ExtendedActorSystem system) : ITransportListener
{
    private readonly ConcurrentDictionary<ITransportConnection, CancellationTokenSource> _running = new();
    private IActorRef _connections = ActorRefs.Nobody;
    private volatile bool _closed;

    /// <summary>How long one connection's stage may take; its token is cancelled then.</summary>
    protected abstract TimeSpan StageTimeout { get; }

    /// <summary>Whether the server closed; a stage cancelled for that is not the connection's failure.</summary>
    protected bool Closed => _closed;

    /// <summary>What delivers the transport's signals to a stage as messages.</summary>
    protected IActorRefProvider Provider => system.Provider;

    public EndPoint LocalEndPoint => inner.LocalEndPoint;

    public void StartAccepting(IActorRef connections, IActorRef errors)
    {
        _connections = connections;
        inner.StartAccepting(new SignalSink(system.Provider, OnAccepted), errors);
    }

    public void ResumeAccepting() => inner.ResumeAccepting();

    public void Close()
    {
        _closed = true;
        inner.Close();
        // Stages still running would hand their connections to a server that is gone.
        foreach (var cancel in _running.Values)
        {
            try
            {
                cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // That stage ended meanwhile; if its connection went on, the supervisor (closing) closes it.
            }
        }
    }

    public Task Drained() => inner.Drained();

    /// <summary>
    /// Runs the stage on <paramref name="connection"/>: the connection to hand on, or null when the stage refused
    /// it (the stage has then closed it, counted and logged why). <paramref name="cancel"/> fires at the timeout or
    /// when the server closes (<see cref="Closed"/>).
    /// </summary>
    protected abstract Task<ITransportConnection?> RunStageAsync(ITransportConnection connection, CancellationToken cancel);

    private void OnAccepted(object message)
    {
        if (message is TransportAccepted accepted) _ = Run(accepted.Connection);
    }

    private async Task Run(ITransportConnection connection)
    {
        ITransportConnection? ready;
        using (var cancel = new CancellationTokenSource(StageTimeout))
        {
            _running[connection] = cancel;
            try
            {
                ready = await RunStageAsync(connection, cancel.Token).ConfigureAwait(false);
            }
            finally
            {
                _running.TryRemove(connection, out _);
            }
        }
        if (ready is null) return;
        if (_closed) ready.Abort();
        else _connections.Tell(new TransportAccepted(ready), ActorRefs.NoSender);
    }
}
