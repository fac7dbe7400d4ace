using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Testing;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests.Tls;

/// <summary>The TestKit harness over TLS on the in-memory transport: a real handshake, then plaintext both ways.</summary>
public sealed class HarnessTlsTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public void Echo_over_TLS_then_close_notify_ends_both_sides()
    {
        var peer = ConnectionHarness.StartTls(this, new EchoHandler());
        peer.Send("héllo over TLS");
        peer.ExpectString("héllo over TLS");
        var big = Loopback.Pattern(300_000, seed: 5);
        peer.Send(big[..60_000]);
        Assert.Equal(big[..60_000], peer.ExpectBytes(60_000));
        peer.SendFin();
        peer.ExpectFin();
        peer.ExpectClosed();
    }

    [Fact]
    public void The_handler_sees_the_negotiated_TLS_and_an_idle_timeout_ends_with_close_notify()
    {
        var handler = new ReportTls();
        var peer = ConnectionHarness.StartTls(this, handler, new ServerOptions { IdleTimeout = TimeSpan.FromMilliseconds(200) });
        peer.ExpectString("TLSv1.");
        peer.ExpectFin(TimeSpan.FromSeconds(5));
        peer.SendFin();
        peer.ExpectClosed();
    }

    [Fact]
    public void A_reset_from_the_peer_is_ECONNRESET_for_the_handler()
    {
        var handler = new Recorder();
        var peer = ConnectionHarness.StartTls(this, handler);
        peer.Send("x");
        peer.ExpectString("x");
        peer.Reset();
        peer.ExpectClosed();
        Assert.Equal("ECONNRESET", handler.Error?.Code);
    }

    private sealed class ReportTls : IConnectionHandler
    {
        public void OnConnect(ISocket socket) => socket.Write(System.Text.Encoding.ASCII.GetBytes(socket.Tls!.Protocol[..6]));

        public void OnData(ISocket socket, ReadOnlySpan<byte> data) { }

        public void OnTimeout(ISocket socket) => socket.End();
    }

    private sealed class Recorder : IConnectionHandler
    {
        public NetError? Error { get; private set; }

        public void OnData(ISocket socket, ReadOnlySpan<byte> data) => socket.Write(data);

        public void OnError(ISocket socket, NetError error) => Error = error;
    }
}
