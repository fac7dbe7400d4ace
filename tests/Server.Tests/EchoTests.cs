using System.Diagnostics;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>docs/contract.md, "Handlers", <c>echo</c> (= socket.pipe(socket)), with allow-half-open off and on.</summary>
public class EchoTests(ITestOutputHelper output)
{
    /// <summary>The contract's config block; the akka-io subclass sets the transport.</summary>
    private protected virtual ServerConfig Base => ServerConfig.Default;

    private static readonly TimeSpan Short = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Echo_writes_back_a_short_message_byte_exact_and_sends_its_fin_only_after_the_clients_fin(bool allowHalfOpen)
    {
        using var server = ServerProcess.StartReady(Base.Handler("echo").AllowHalfOpen(allowHalfOpen), output);
        using var client = Client.Connect(server.Port);
        var message = Enumerable.Range(0, 256).Select(i => (byte)i).Concat("hello\r\n"u8.ToArray()).ToArray();

        client.Send(message);
        Assert.Equal(message, client.ReadExactly(message.Length, Short));
        client.AssertNothingArrivesWithin(TimeSpan.FromMilliseconds(300), "echo ends its side only after the client's FIN");

        client.ShutdownSend();
        var end = client.ReadToEnd(Short);
        Assert.Equal(End.Fin, end.End);
        Assert.Empty(end.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Echo_writes_back_one_mebibyte_byte_exact_while_the_client_reads_concurrently_then_sends_fin(bool allowHalfOpen)
    {
        const int size = 1 << 20;
        var pattern = new Pattern(0x1_0000 + (ulong)(allowHalfOpen ? 1 : 0));
        using var server = ServerProcess.StartReady(Base.Handler("echo").AllowHalfOpen(allowHalfOpen), output);
        using var client = Client.Connect(server.Port);

        var writer = Background.Run(() =>
        {
            for (var offset = 0; offset < size; offset += 64 * 1024) client.Send(pattern.Bytes(offset, 64 * 1024));
            client.ShutdownSend();
        });
        var checker = new Pattern.Checker(pattern);
        var outcome = client.ReadToEnd(TimeSpan.FromSeconds(20), checker.Check, keep: false);

        Assert.True(writer.JoinAndCheck(Short), "the client's writes did not finish");
        Assert.Equal(End.Fin, outcome.End);
        Assert.Equal(size, checker.Offset);
        Assert.Null(checker.FirstMismatch);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Echo_sends_every_byte_written_before_the_clients_fin_before_its_own_fin(bool allowHalfOpen)
    {
        // The client writes everything and its FIN before reading anything: the server holds echo that is
        // still queued when it reads the FIN, and must not drop it.
        const int size = 1 << 20;
        var pattern = new Pattern(0x2_0000 + (ulong)(allowHalfOpen ? 1 : 0));
        using var server = ServerProcess.StartReady(Base.Handler("echo").AllowHalfOpen(allowHalfOpen), output);
        using var client = Client.Connect(server.Port);

        var writer = Background.Run(() =>
        {
            for (var offset = 0; offset < size; offset += 64 * 1024) client.Send(pattern.Bytes(offset, 64 * 1024));
            client.ShutdownSend();
        });
        // Loopback buffers normally take all of it; if they do not, reading below unblocks the writer.
        var wroteAllFirst = writer.Join(TimeSpan.FromSeconds(3));
        output.WriteLine($"client wrote everything and its FIN before reading: {wroteAllFirst}");

        var checker = new Pattern.Checker(pattern);
        var outcome = client.ReadToEnd(TimeSpan.FromSeconds(20), checker.Check, keep: false);
        Assert.True(writer.JoinAndCheck(Short), "the client's writes did not finish");
        Assert.Equal(End.Fin, outcome.End);
        Assert.Equal(size, checker.Offset);
        Assert.Null(checker.FirstMismatch);
    }

    [Fact]
    public void Echo_stops_reading_while_the_client_does_not_read_and_then_delivers_every_byte()
    {
        const long total = 64L << 20;
        const int chunk = 64 * 1024;
        var pattern = new Pattern(0x3_0000);
        using var server = ServerProcess.StartReady(Base.Handler("echo"), output);
        using var client = Client.Connect(server.Port);

        long written = 0;
        var writer = Background.Run(() =>
        {
            var buffer = new byte[chunk];
            for (long offset = 0; offset < total; offset += chunk)
            {
                pattern.Fill(offset, buffer);
                client.Send(buffer);
                Interlocked.Add(ref written, chunk);
            }
            client.ShutdownSend();
        });

        // Without reading, the client's writes must stall: the server stops reading once its echo is backed up.
        var start = Stopwatch.GetTimestamp();
        long last = -1;
        var lastChange = start;
        var stalled = false;
        while (Wait.Since(start) < TimeSpan.FromSeconds(30) && !writer.IsCompleted)
        {
            var now = Interlocked.Read(ref written);
            if (now != last)
            {
                last = now;
                lastChange = Stopwatch.GetTimestamp();
            }
            else if (Wait.Since(lastChange) > TimeSpan.FromSeconds(1))
            {
                stalled = true;
                break;
            }
            Thread.Sleep(50); // poll interval of a bounded loop
        }
        output.WriteLine($"client writes stalled: {stalled}, after {last} bytes; writer done: {writer.IsCompleted}");
        Assert.False(writer.IsFaulted, $"the client's writes failed: {writer.Error?.Message}");
        Assert.True(stalled, $"the client wrote {Interlocked.Read(ref written)} bytes without reading any echo and was never held back: no back-pressure");
        if (SocketStats.Available)
        {
            var entry = SocketStats.ServerSide(server.Port, client.LocalPort);
            output.WriteLine($"server side while stalled: {entry}");
            Assert.NotNull(entry);
            Assert.True(entry.RecvQ > 0, $"the server should have stopped reading (bytes waiting in its Recv-Q), ss: {entry}");
        }
        else output.WriteLine(SocketStats.MissingMessage);

        var checker = new Pattern.Checker(pattern);
        var outcome = client.ReadToEnd(TimeSpan.FromSeconds(60), checker.Check, keep: false);
        Assert.True(writer.JoinAndCheck(Short), "the client's writes did not finish");
        Assert.Equal(End.Fin, outcome.End);
        Assert.Equal(total, checker.Offset);
        Assert.Null(checker.FirstMismatch);
    }
}
