using ActorNet.Broadcast;
using ActorNet.Framing;

namespace ActorNet.Handlers;

/// <summary>
/// A chat room over <see cref="Topics"/>: every complete line a client sends (up to <c>\n</c>; a <c>\r</c> before it
/// is dropped) is written, followed by <c>\n</c>, to every other client subscribed to the same topic, on this node
/// or, in a cluster, on any node. A line over <see cref="MaxLineLength"/> bytes ends that connection with
/// <c>ERR_FRAME_TOO_LONG</c>; an unfinished line at the peer's FIN is dropped. A client that does not read is
/// reset once its queue passes <c>max-write-queue</c>; the others go on. Ends gracefully on an idle timeout.
/// </summary>
public sealed class ChatHandler : IConnectionHandler
{
    /// <summary>The longest line, in bytes, without its delimiter.</summary>
    public const int MaxLineLength = 64 * 1024;

    private readonly Topics _topics;
    private readonly string _topic;
    private readonly LineFramer _framer = new(MaxLineLength);
    private readonly FrameHandler _onLine;
    private ISocket? _socket;
    private bool _subscribed;

    /// <summary>A chat client of <paramref name="topic"/>.</summary>
    /// <param name="topics">The ActorSystem's <see cref="Topics"/>.</param>
    /// <param name="topic">The room.</param>
    public ChatHandler(Topics topics, string topic = "chat")
    {
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        _topics = topics;
        _topic = topic;
        _onLine = OnLine;
    }

    /// <inheritdoc />
    public void OnConnect(ISocket socket)
    {
        _socket = socket;
        _topics.Subscribe(_topic, socket.Self);
        _subscribed = true;
    }

    /// <inheritdoc />
    public void OnData(ISocket socket, ReadOnlySpan<byte> data)
    {
        if (_framer.Feed(data, _onLine) is { } error)
        {
            Leave();
            socket.Destroy(error);
        }
    }

    /// <inheritdoc />
    public void OnTimeout(ISocket socket)
    {
        Leave();
        socket.End();
    }

    /// <inheritdoc />
    public void OnClose(ISocket socket, bool hadError) => Leave();

    private void OnLine(ReadOnlySpan<byte> line)
    {
        // One copy per line, shared by every receiver on this node.
        var message = new byte[line.Length + 1];
        line.CopyTo(message);
        message[^1] = (byte)'\n';
        _topics.Publish(_topic, message, except: _socket!.Self);
    }

    private void Leave()
    {
        if (!_subscribed) return;
        _subscribed = false;
        _topics.Unsubscribe(_topic, _socket!.Self);
    }
}
