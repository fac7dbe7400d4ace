using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using ActorNet.Broadcast;
using ActorNet.Handlers;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>The chat handler and <see cref="Topics"/> on one node (no cluster), over loopback sockets.</summary>
public sealed class ChatHandlerTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private int ChatServer(Options.ServerOptions? options = null)
    {
        var topics = Topics.Get(Sys);
        Assert.False(topics.Clustered);
        var (_, endPoint) = Listen(options ?? Loopback0, () => new ChatHandler(topics));
        return PortOf(endPoint);
    }

    [Fact]
    public void Complete_lines_go_to_every_other_client_without_the_cr_and_an_unfinished_line_at_fin_is_dropped()
    {
        var port = ChatServer();
        using var alice = new ChatClient(port);
        using var bob = new ChatClient(port);
        using var carol = new ChatClient(port);
        AwaitSubscribed(alice, [bob, carol]);

        alice.Send("hello\r\nhow are\n you?\n");
        alice.Send("héllo €\nunfinished");
        foreach (var receiver in new[] { bob, carol })
        {
            Assert.Equal("hello", receiver.ReadLine());
            Assert.Equal("how are", receiver.ReadLine());
            Assert.Equal(" you?", receiver.ReadLine());
            Assert.Equal("héllo €", receiver.ReadLine());
        }
        alice.Socket.Shutdown(SocketShutdown.Send);
        Assert.Null(alice.ReadLine()); // allow-half-open off: the server ends its side too, having sent alice nothing

        bob.Send("after\n");
        Assert.Equal("after", carol.ReadLine());
    }

    [Fact]
    public void A_line_over_64_KiB_ends_only_its_own_connection()
    {
        var port = ChatServer();
        using var talker = new ChatClient(port);
        using var listener = new ChatClient(port);
        AwaitSubscribed(talker, [listener]);

        var longest = new string('a', ChatHandler.MaxLineLength);
        talker.Send(longest + "\n");
        Assert.Equal(longest, listener.ReadLine());
        try
        {
            talker.Send(new string('b', ChatHandler.MaxLineLength + 1) + "\n");
            // The server closes this connection: FIN, or RST since it left bytes unread.
            Assert.Null(talker.ReadLine());
        }
        catch (SocketException e)
        {
            Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
        }
        using var other = new ChatClient(port);
        AwaitSubscribed(other, [listener]);
    }

    [Fact]
    public void A_client_that_never_reads_is_cut_off_past_max_write_queue_while_the_others_get_every_line()
    {
        var port = ChatServer(Loopback0 with { MaxWriteQueue = 256 * 1024 });
        using var talker = new ChatClient(port);
        using var reader = new ChatClient(port);
        using var stalled = new ChatClient(port);
        stalled.Socket.ReceiveBufferSize = 4096;
        AwaitSubscribed(talker, [reader, stalled]);

        // 16 MiB of lines, far more than the stalled client's kernel buffers and max-write-queue hold, in bursts of
        // 64 KiB the reader takes before the next: a reader that keeps up is never cut off.
        var line = new string('z', 1023);
        var burst = string.Concat(Enumerable.Repeat(line + "\n", 64));
        for (var i = 0; i < 256; i++)
        {
            talker.Send(burst);
            for (var j = 0; j < 64; j++) Assert.Equal(line, reader.ReadLine());
        }

        // The stalled client was reset: it gets what its buffers held, then the error, long before 16 MiB.
        var received = 0L;
        var e = Assert.Throws<SocketException>(() =>
        {
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var n = stalled.Socket.Receive(buffer);
                if (n == 0) break;
                received += n;
            }
        });
        Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
        Assert.True(received < 8 * 1024 * 1024, $"the stalled client got {received} bytes");
    }

    [Fact]
    public void Topic_names_are_checked()
    {
        var topics = Topics.Get(Sys);
        Assert.Throws<ArgumentException>(() => topics.Publish("", new byte[1]));
        Assert.Throws<ArgumentException>(() => topics.Subscribe(new string('t', Topics.MaxTopicLength + 1), TestActor));
        topics.Subscribe("odd name/with ünicode", TestActor);
        topics.Publish("odd name/with ünicode", "x"u8.ToArray());
        Assert.Equal("x", Encoding.ASCII.GetString(ExpectMsg<Protocol.SocketProtocol.Offer>().Data.Span));
    }

    [Fact]
    public void A_topic_message_survives_the_wire_format()
    {
        var serializer = new TopicMessageSerializer((ExtendedActorSystem)Sys);
        var message = new TopicMessage("ünï", -42, [1, 2, 3, 0, 255]);
        var copy = Assert.IsType<TopicMessage>(serializer.FromBinary(serializer.ToBinary(message), typeof(TopicMessage)));
        Assert.Equal((message.Topic, message.OriginNode), (copy.Topic, copy.OriginNode));
        Assert.Equal(message.Data, copy.Data);
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([1, 2, 3], typeof(TopicMessage)));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1], typeof(TopicMessage)));
    }

    // Subscribing happens in OnConnect, after the client's connect returned: send until every receiver hears one.
    private void AwaitSubscribed(ChatClient sender, ChatClient[] receivers)
    {
        AwaitCondition(() =>
        {
            sender.Send("ping\n");
            return receivers.All(r => r.HasDataWithin(TimeSpan.FromMilliseconds(100)));
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(10));
        sender.Send("sync\n");
        foreach (var receiver in receivers) receiver.SkipThrough("sync");
    }
}
