using ActorNet.Handlers;
using ActorNet.Testing;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>A failed <see cref="ConnectionHarness"/> expectation says what was expected and what arrived.</summary>
public sealed class HarnessFailureTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(200);

    [Fact]
    public void ExpectString_that_times_out_reports_the_bytes_that_did_arrive()
    {
        var peer = ConnectionHarness.Start(this, new EchoHandler());
        peer.Send("hello");
        var e = Assert.Throws<ExpectationFailedException>(() => peer.ExpectString("hello world", Short));
        Assert.Equal("expected \"hello world\" (11 bytes) within 0.2 s, got \"hello\" (5 bytes) and nothing more", e.Message);
    }

    [Fact]
    public void ExpectString_that_gets_other_bytes_shows_both_escaped_byte_by_byte()
    {
        var peer = ConnectionHarness.Start(this, new EchoHandler());
        peer.Send("x?\n");
        var e = Assert.Throws<ExpectationFailedException>(() => peer.ExpectString("x€\n", Short));
        Assert.Equal("expected \"x\\xE2\\x82\\xAC\\n\" (5 bytes) within 0.2 s, got \"x?\\n\" (3 bytes) and nothing more", e.Message);
    }

    [Fact]
    public void ExpectBytes_cut_short_by_FIN_reports_the_bytes_then_FIN()
    {
        var peer = ConnectionHarness.Start(this, new EchoHandler());
        peer.Send("abc");
        peer.SendFin();
        var e = Assert.Throws<ExpectationFailedException>(() => peer.ExpectBytes(10, Short));
        Assert.StartsWith("expected 10 bytes within 0.2 s, got \"abc\" (3 bytes), then FIN", e.Message);
    }

    [Fact]
    public void ExpectFin_that_gets_bytes_reports_them()
    {
        var peer = ConnectionHarness.Start(this, new EchoHandler());
        peer.Send("late\r\n");
        var e = Assert.Throws<ExpectationFailedException>(() => peer.ExpectFin(Short));
        Assert.Equal("expected FIN within 0.2 s, got \"late\\r\\n\" (6 bytes) and nothing more", e.Message);
    }

    [Fact]
    public void ExpectNoBytes_that_gets_bytes_reports_them()
    {
        var peer = ConnectionHarness.Start(this, new EchoHandler());
        peer.Send("oops");
        var e = Assert.Throws<ExpectationFailedException>(() => peer.ExpectNoBytes(Short));
        Assert.StartsWith("expected nothing for 0.2 s, got \"oops\" (4 bytes)", e.Message);
    }

    [Fact]
    public void ExpectClosed_on_a_live_connection_says_so_and_shows_what_arrived()
    {
        var peer = ConnectionHarness.Start(this, new EchoHandler());
        peer.Send("hi");
        var e = Assert.Throws<ExpectationFailedException>(() => peer.ExpectClosed(Short));
        Assert.Equal("expected the connection to close within 0.2 s, but its socket actor still runs; "
            + "from the handler: \"hi\" (2 bytes) and nothing more", e.Message);
    }

    [Fact]
    public void A_reset_is_reported_as_a_failed_connection()
    {
        var peer = ConnectionHarness.Start(this, new DiscardHandler());
        peer.Send("x");
        peer.Reset();
        var e = Assert.Throws<ExpectationFailedException>(() => peer.ExpectString("y", Short));
        Assert.Contains("got no bytes, then the connection failed (", e.Message);
    }

    [Fact]
    public void Send_to_a_handler_that_stopped_reading_says_what_was_expected()
    {
        var peer = ConnectionHarness.Start(this, new PausingHandler(), bufferSize: 1024);
        var e = Assert.Throws<ExpectationFailedException>(() => peer.Send(new byte[4096], Short));
        Assert.StartsWith("expected the handler's side to take 4096 bytes within 0.2 s; it did not", e.Message);
    }

    [Fact]
    public void Printable_escapes_control_bytes_and_non_ASCII_and_cuts_long_input()
    {
        Assert.Equal("\"a\\\"\\\\\\t\\x00\\xFF\" (6 bytes)", ConnectionHarness.Printable([(byte)'a', (byte)'"', (byte)'\\', (byte)'\t', 0, 0xFF]));
        Assert.Equal("\"" + new string('z', 256) + "\"... (300 bytes)", ConnectionHarness.Printable(Enumerable.Repeat((byte)'z', 300).ToArray()));
    }

    private sealed class PausingHandler : IConnectionHandler
    {
        public void OnConnect(ISocket socket) => socket.Pause();

        public void OnData(ISocket socket, ReadOnlySpan<byte> data) { }
    }
}
