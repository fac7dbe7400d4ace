using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>The programs in examples/ (the README's code) run as the README says.</summary>
public sealed class ExampleProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public void HandlerServer_upper_cases_UTF8_intact_and_drains_on_SIGTERM_then_exits_0() =>
        ServesThenDrainsOnSigterm("HandlerServer", ("héllo, €uro\n", "HéLLO, €URO\n"), ("more\n", "MORE\n"));

    // The host's stop runs CoordinatedShutdown, which drains the server the same way.
    [Fact]
    public void HostedServer_serves_a_line_then_drains_on_SIGTERM_through_the_host_and_exits_0() =>
        ServesThenDrainsOnSigterm("HostedServer", ("hello, €uro\n", "hello, €uro\n"), ("more\n", "more\n"));

    // Serves a line, then SIGTERM: new connects are refused, the live connection is still served, and the process
    // exits 0 only once that connection closed.
    private void ServesThenDrainsOnSigterm(string example, (string Sent, string Expected) first, (string Sent, string Expected) during)
    {
        using var server = ExampleProcess.Start(example, "0");
        try
        {
            var endPoint = IPEndPoint.Parse(server.WaitForLine("listening on ", Bound));
            Assert.Equal(IPAddress.Loopback, endPoint.Address);
            using var client = Loopback.Connect(endPoint);
            Assert.Equal(Encoding.UTF8.GetBytes(first.Expected), RoundTrip(client, first.Sent));

            server.Signal(ExampleProcess.SIGTERM);
            server.WaitForLine("draining", Bound);
            AwaitRefused(endPoint);
            Assert.Equal(Encoding.UTF8.GetBytes(during.Expected), RoundTrip(client, during.Sent));
            Assert.False(server.HasExited, "the process stopped before the live connection closed");
            client.Shutdown(SocketShutdown.Send);
            Loopback.ExpectEof(client);
            Assert.Equal(0, server.WaitForExit(Bound));
        }
        finally
        {
            output.WriteLine(server.Output);
        }
    }

    [Fact]
    public void ClusterChat_nodes_share_a_room_and_counts_and_a_node_drains_then_leaves_on_SIGTERM()
    {
        // Only the seed needs a known port; the other node binds remoting on port 0, so no port is chosen and then lost.
        var seedPort = FreePort();
        using var first = ExampleProcess.Start("ClusterChat", "0", seedPort.ToString(), seedPort.ToString());
        using var second = ExampleProcess.Start("ClusterChat", "0", "0", seedPort.ToString());
        try
        {
            using var alice = new ChatClient(IPEndPoint.Parse(first.WaitForLine("listening on ", Bound)).Port);
            using var bob = new ChatClient(IPEndPoint.Parse(second.WaitForLine("listening on ", Bound)).Port);
            // The nodes join, and learn of each other's room, by gossip: ask until the answer says so.
            AwaitLine(bob, "/who\n", "2 connected on 2 nodes");
            AwaitLine(alice, "hello\n", l => l.EndsWith(": hello", StringComparison.Ordinal), bob);

            second.Signal(ExampleProcess.SIGTERM);
            second.WaitForLine("draining", Bound);
            // Draining: bob is still in the room; the node leaves once he goes.
            alice.Send("still there?\n");
            // Past the extra "hello"s the wait above may have sent.
            string? line;
            while ((line = bob.ReadLine()) is not null && line.EndsWith(": hello", StringComparison.Ordinal)) { }
            Assert.EndsWith(": still there?", line);
            bob.Dispose();
            second.WaitForLine("left the cluster", Bound);
            Assert.Equal(0, second.WaitForExit(Bound));
            AwaitLine(alice, "/who\n", "1 connected on 1 nodes");
        }
        finally
        {
            output.WriteLine(first.Output);
            output.WriteLine(second.Output);
        }
    }

    // Sends text until the receiver (the sender itself by default) gets a line that matches.
    private static void AwaitLine(ChatClient sender, string text, string expected) => AwaitLine(sender, text, l => l == expected);

    private static void AwaitLine(ChatClient sender, string text, Func<string, bool> matches, ChatClient? receiver = null)
    {
        receiver ??= sender;
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            sender.Send(text);
            while (receiver.HasDataWithin(TimeSpan.FromMilliseconds(300)))
            {
                var line = receiver.ReadLine() ?? throw new EndOfStreamException("the node closed the connection");
                if (matches(line)) return;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no matching line after sending {text.Trim()}");
        }
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    [Fact]
    public void TlsEcho_echoes_over_TLS_and_an_untrusting_client_gets_Nodes_code()
    {
        using var example = ExampleProcess.Start("TlsEcho");
        var code = example.WaitForExit(Bound);
        output.WriteLine(example.Output);
        Assert.Equal(0, code);
        var lines = example.Output.Split('\n', StringSplitOptions.TrimEntries).Where(l => l.Length > 0 && !l.StartsWith('[')).ToArray();
        Assert.Matches(@"^TLS echo on 127\.0\.0\.1:\d+$", lines[0]);
        Assert.Equal(["echoed: hello over TLS", "untrusted: DEPTH_ZERO_SELF_SIGNED_CERT"], lines[1..]);
    }

    [Theory]
    [InlineData("HandlerServer")]
    [InlineData("HostedServer")]
    public void A_server_example_on_a_taken_port_prints_Node_s_error_and_exits_1(string example)
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;
        using var server = ExampleProcess.Start(example, port.ToString());
        Assert.Equal(1, server.WaitForExit(Bound));
        Assert.Contains($"STDERR listen EADDRINUSE: address already in use 127.0.0.1:{port}", server.Output);
    }

    [Fact]
    public void Client_talks_to_its_own_server_reports_ECONNREFUSED_after_close_and_exits_0()
    {
        using var client = ExampleProcess.Start("Client");
        var code = client.WaitForExit(Bound);
        output.WriteLine(client.Output);
        Assert.Equal(0, code);
        var lines = client.Output.Split('\n').Where(l => !l.StartsWith('[')).ToArray(); // not Akka's log lines, if any
        Assert.Matches(@"^echo server on 127\.0\.0\.1:\d+$", lines[0]);
        Assert.Equal(["echoed: hello", "greeter: 6 bytes back", "after close: ECONNREFUSED"], lines[1..]);
    }

    private static byte[] RoundTrip(Socket client, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        client.Send(bytes);
        return Loopback.ReadExactly(client, bytes.Length);
    }

    // The signal is handled asynchronously: connects are refused once the server has closed its listening socket.
    private static void AwaitRefused(IPEndPoint endPoint)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            try
            {
                using var probe = Loopback.Connect(endPoint);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // A probe still in the accept queue when the listener closed is reset: try again.
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{endPoint} still accepts connections after {Bound}");
        }
    }
}
