using System.Net;
using System.Text;
using Akka.Actor;
using ActorNet.Framing;
using ActorNet.Handlers;
using ActorNet.Protocol;
using ActorNet.Testing;
using ActorNet.Tests.Support;
using ActorNet.Transport;
using ActorNet.Transport.InMemory;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>Handlers tested without sockets: the in-memory transport and <see cref="ConnectionHarness"/>.</summary>
public sealed class HarnessTests(ITestOutputHelper output) : ServerTestKit(output)
{
    /// <summary>The README's example: a line protocol that answers each line in upper case and QUIT with BYE.</summary>
    private sealed class Shout : IConnectionHandler
    {
        private readonly LineFramer _lines = new(maxLineLength: 80);

        public void OnData(ISocket socket, ReadOnlySpan<byte> data)
        {
            var error = _lines.Feed(data, line =>
            {
                var text = Encoding.ASCII.GetString(line);
                if (text == "QUIT")
                {
                    socket.Write("BYE\n"u8);
                    socket.End();
                }
                else socket.Write(Encoding.ASCII.GetBytes(text.ToUpperInvariant() + "\n"));
            });
            if (error is not null) socket.Destroy(error);
        }
    }

    [Fact]
    public void A_line_protocol_answers_each_line_and_ends_on_QUIT()
    {
        var peer = ConnectionHarness.Start(this, new Shout());
        peer.Send("hel");
        peer.ExpectNoBytes(TimeSpan.FromMilliseconds(50)); // half a line: nothing yet
        peer.Send("lo\nwor");
        peer.ExpectString("HELLO\n");
        peer.Send("ld\r\nQUIT\n");
        peer.ExpectString("WORLD\nBYE\n");
        peer.ExpectFin();
        peer.SendFin();
        peer.ExpectClosed();
    }

    [Fact]
    public void Echo_over_the_harness_echoes_then_ends_after_the_peer_ends()
    {
        var peer = ConnectionHarness.Start(this, new EchoHandler());
        peer.Send("abc");
        peer.ExpectString("abc");
        peer.SendFin();
        peer.ExpectFin();
        peer.ExpectClosed();
    }

    [Fact]
    public void Tally_answers_inside_its_end_callback_before_the_automatic_FIN()
    {
        var peer = ConnectionHarness.Start(this, new TallyHandler());
        peer.Send(new byte[100_000]);
        peer.SendFin();
        Assert.Equal("100000\n", Encoding.ASCII.GetString(peer.ReadToEnd()));
        peer.ExpectClosed();
    }

    [Fact]
    public void An_idle_timeout_ends_a_built_in_handler_gracefully()
    {
        var peer = ConnectionHarness.Start(this, new DiscardHandler(), Loopback0 with { IdleTimeout = TimeSpan.FromMilliseconds(100) });
        peer.Send("x");
        peer.ExpectFin(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void Tally_after_its_idle_timeout_end_sends_no_count_at_the_peers_FIN_and_closes_without_an_error()
    {
        // Its side is ended, so a count written at the peer's FIN would be a write after end (an error).
        var peer = ConnectionHarness.Start(this, new Observed(new TallyHandler(), TestActor), Loopback0 with { IdleTimeout = TimeSpan.FromMilliseconds(100) });
        peer.Send("abc");
        peer.ExpectFin(TimeSpan.FromSeconds(2));
        peer.Send("more after the FIN");
        peer.SendFin();
        peer.ExpectClosed();
        ExpectMsg<SocketProtocol.Closed>(c => Assert.False(c.HadError));
    }

    /// <summary>Tells the test actor Error and Close, and passes everything on.</summary>
    private sealed class Observed(IConnectionHandler inner, IActorRef observer) : HandlerDecorator(inner)
    {
        public override void OnError(ISocket socket, NetError error)
        {
            observer.Tell(new SocketProtocol.ErrorOccurred(socket.Self, error));
            base.OnError(socket, error);
        }

        public override void OnClose(ISocket socket, bool hadError)
        {
            observer.Tell(new SocketProtocol.Closed(socket.Self, hadError));
            base.OnClose(socket, hadError);
        }
    }

    [Fact]
    public void A_peer_reset_is_ECONNRESET_for_the_handler()
    {
        var peer = ConnectionHarness.Start(this, new ForwardingHandler(TestActor));
        ExpectMsg<SocketProtocol.Connected>();
        peer.Reset();
        ExpectMsg<SocketProtocol.ErrorOccurred>(e => Assert.Equal("ECONNRESET", e.Error.Code));
        ExpectMsg<SocketProtocol.Closed>(c => Assert.True(c.HadError));
    }

    [Fact]
    public void A_peer_that_does_not_read_stops_echo_reading_within_the_buffers()
    {
        // 4 KiB per direction: the echo's replies fill the peer's side, echo pauses, and the peer's sends stop fitting.
        var peer = ConnectionHarness.Start(this, new EchoHandler(), Loopback0 with { WriteHighWaterMark = 1024 }, bufferSize: 4096);
        var sent = 0;
        Assert.ThrowsAny<Exception>(() =>
        {
            for (; sent < 64; sent++) peer.Send(new byte[1024], TimeSpan.FromMilliseconds(300));
        });
        Assert.InRange(sent, 4, 16); // stopped within the buffers, far from the 64 KiB offered
        // Reading the replies lets everything through, byte for byte.
        var drained = peer.ExpectBytes(4096);
        Assert.Equal(4096, drained.Length);
    }

    [Fact]
    public void A_server_on_the_in_memory_transport_accepts_and_refuses_after_close()
    {
        var (server, endPoint) = Listen(Loopback0 with { Transport = "in-memory" });
        var port = ((DnsEndPoint)endPoint).Port;
        InMemoryTransport.Instance.Connect(port);
        AwaitLiveCount(server, 1);
        server.Tell(ServerProtocol.Close.Instance);
        ExpectMsg<ServerProtocol.Unbound>();
        var refused = Assert.Throws<NetException>(() => InMemoryTransport.Instance.Connect(port));
        Assert.Equal("ECONNREFUSED", refused.Error.Code);
    }
}
