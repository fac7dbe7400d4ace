using System.Net.Sockets;
using System.Text;
using ActorNet.Framing;
using ActorNet.Handlers;
using ActorNet.Protocol;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests.Framing;

public sealed class FramedHandlerTests(ITestOutputHelper output) : ServerTestKit(output)
{
    /// <summary>A tiny line protocol: answers each line with its length, and fails the connection on an over-long line.</summary>
    private sealed class LineLengths : IConnectionHandler
    {
        private readonly LineFramer _framer = new(16);

        public void OnData(ISocket socket, ReadOnlySpan<byte> data)
        {
            var error = _framer.Feed(data, line => socket.Write(Encoding.ASCII.GetBytes(line.Length + "\n")));
            if (error is not null) socket.Destroy(error);
        }

        public void OnEnd(ISocket socket) => socket.End();
    }

    [Fact]
    public void A_line_protocol_over_real_sockets_answers_lines_split_across_reads()
    {
        var (_, endPoint) = Listen(Loopback0, () => new LineLengths());
        using var client = Loopback.Connect(endPoint);
        client.NoDelay = true;
        client.Send("ab"u8.ToArray());
        client.Send("c\nhello\r\n\n"u8.ToArray());
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal("3\n5\n0\n", Encoding.ASCII.GetString(Loopback.ReadToEnd(client)));
    }

    [Fact]
    public void An_over_long_line_ends_the_connection_with_an_error()
    {
        var (_, endPoint) = Listen(Loopback0, () => new LineLengths());
        using var client = Loopback.Connect(endPoint);
        client.Send(Encoding.ASCII.GetBytes(new string('x', 100)));
        Loopback.ExpectEof(client);
    }
}
