using System.Text;
using ActorNet.Broadcast;
using ActorNet.Cluster;
using ActorNet.Framing;
using ActorNet.Handlers;
using ActorNet.Protocol;
using Akka.Actor;

namespace ClusterChat;

/// <summary>A chat room on every node of the cluster: each line goes to everyone else, "/who" asks the cluster.</summary>
public sealed class Room(ActorSystem system) : IConnectionHandler
{
    private readonly LineFramer _lines = new(4096);
    private readonly Topics _topics = Topics.Get(system);

    #region room
    public void OnConnect(ISocket socket) => _topics.Subscribe("room", socket.Self);

    public void OnData(ISocket socket, ReadOnlySpan<byte> data)
    {
        if (_lines.Feed(data, line => OnLine(socket, line)) is { } tooLong) socket.Destroy(tooLong);
    }

    private void OnLine(ISocket socket, ReadOnlySpan<byte> line)
    {
        if (line.SequenceEqual("/who"u8))
        {
            Who(socket.Self);
            return;
        }
        var text = $"#{socket.ConnectionId}: {Encoding.UTF8.GetString(line)}\n";
        _topics.Publish("room", Encoding.UTF8.GetBytes(text), except: socket.Self);
    }
    #endregion

    // Not awaited: a handler never blocks. The answer comes back to the socket as a message.
    private void Who(IActorRef socket) =>
        ClusterCounts.Get(system).GetAsync().ContinueWith(t => socket.Tell(new SocketProtocol.Write(
            Encoding.UTF8.GetBytes(t.IsCompletedSuccessfully
                ? $"{t.Result.Live} connected on {t.Result.Members.Count} nodes\n"
                : "no answer from the cluster\n"))));

    public void OnEnd(ISocket socket) => socket.End();
}
