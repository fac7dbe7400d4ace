using System.Net.Sockets;
using Akka.Actor;
using ActorNet.Connection;
using ActorNet.Protocol;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

public sealed class EchoTests(ITestOutputHelper output) : ServerTestKit(output)
{
    public static TheoryData<string, int> SizesOverTransports()
    {
        var data = new TheoryData<string, int>();
        foreach (var transport in Transports)
        foreach (var size in new[] { 1, 4095, 4096, 4097, 16383, 16384, 16385, 65535, 65536, 65537, 1024 * 1024 + 1 })
            data.Add(transport, size);
        return data;
    }

    [Theory]
    [MemberData(nameof(SizesOverTransports))]
    public async Task Echo_writes_back_every_byte_in_order_then_ends_after_the_peer_ends(string transport, int size)
    {
        var (_, endPoint) = Listen(Loopback0 with { Transport = transport });
        using var client = Loopback.Connect(endPoint);
        var payload = Loopback.Pattern(size, seed: size);
        var sender = Task.Run(() =>
        {
            client.Send(payload);
            client.Shutdown(SocketShutdown.Send);
        });
        var echoed = Loopback.ReadToEnd(client);
        await sender.WaitAsync(Loopback.Wait);
        Assert.Equal(payload, echoed);
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void Echo_answers_a_fin_that_was_already_in_when_back_pressure_stopped_its_reading(string transport)
    {
        // The client writes everything and its FIN before reading: the server stops reading on back-pressure with
        // the FIN (and data before it) already in the kernel. With edge-triggered readiness that FIN's edge is long
        // gone when the server resumes, so resuming must read again rather than wait.
        const int size = 1024 * 1024;
        var (_, endPoint) = Listen(Loopback0 with { Transport = transport });
        using var client = Loopback.Connect(endPoint);
        var payload = Loopback.Pattern(size, seed: 7);
        var writer = Task.Run(() =>
        {
            client.Send(payload);
            client.Shutdown(SocketShutdown.Send);
        });
        // Loopback buffers normally take all of it before anything is read; if not, reading below unblocks it.
        writer.Wait(TimeSpan.FromSeconds(2));
        var echoed = Loopback.ReadToEnd(client);
        Assert.True(writer.Wait(Loopback.Wait), "the client's writes did not finish");
        Assert.Equal(payload, echoed);
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public async Task Echo_streams_64_MiB_byte_exact(string transport)
    {
        const int total = 64 * 1024 * 1024;
        var (_, endPoint) = Listen(Loopback0 with { Transport = transport });
        using var client = Loopback.Connect(endPoint);
        var chunk = Loopback.Pattern(1024 * 1024 - 1); // odd size: chunks never align with buffers
        var sender = Task.Run(() =>
        {
            var sent = 0;
            while (sent < total)
            {
                var n = Math.Min(chunk.Length, total - sent);
                client.Send(chunk, 0, n, SocketFlags.None);
                sent += n;
            }
            client.Shutdown(SocketShutdown.Send);
        });
        var buffer = new byte[256 * 1024];
        long received = 0;
        while (true)
        {
            var n = client.Receive(buffer);
            if (n == 0) break;
            for (var i = 0; i < n; i++)
            {
                var expected = chunk[(int)((received + i) % chunk.Length)];
                if (buffer[i] != expected) Assert.Fail($"byte {received + i} is {buffer[i]}, expected {expected}");
            }
            received += n;
        }
        await sender.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(total, received);
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public async Task Two_hundred_concurrent_connections_are_each_echoed_byte_exact(string transport)
    {
        var (server, endPoint) = Listen(Loopback0 with { Transport = transport });
        var clients = Enumerable.Range(0, 200).Select(_ => Loopback.Connect(endPoint)).ToArray();
        AwaitLiveCount(server, 200);
        var work = clients.Select((client, i) => Task.Run(() =>
        {
            var payload = Loopback.Pattern(10_000 + i, seed: i);
            client.Send(payload);
            client.Shutdown(SocketShutdown.Send);
            var echoed = Loopback.ReadToEnd(client);
            client.Dispose();
            return echoed.AsSpan().SequenceEqual(payload);
        })).ToArray();
        var results = await Task.WhenAll(work).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(results, Assert.True);
        AwaitLiveCount(server, 0);
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void A_slow_reader_stops_the_server_reading_so_its_queue_stays_under_the_high_water_mark(string transport)
    {
        var options = Loopback0 with { WriteHighWaterMark = 16 * 1024, Transport = transport };
        var (_, endPoint) = Listen(options, () => new ReportingEcho(TestActor));
        using var client = Loopback.Connect(endPoint);
        var socket = ExpectMsg<Opened>().Socket;
        client.Blocking = false;
        var chunk = new byte[64 * 1024];
        long sent = 0;
        // Fill every buffer on the way: once the client cannot send any more, the server has stopped reading.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var wouldBlockInARow = 0;
        while (wouldBlockInARow < 20)
        {
            Assert.True(DateTime.UtcNow < deadline, $"client could still send after {sent} bytes: the server keeps reading");
            var n = client.Send(chunk, 0, chunk.Length, SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                wouldBlockInARow++;
                // Let the server react; a bounded number of polls, not a wait for a guess.
                client.Poll(50_000, SelectMode.SelectWrite);
                continue;
            }
            Assert.Equal(SocketError.Success, error);
            wouldBlockInARow = 0;
            sent += n;
        }
        var info = socket.Self.Ask<SocketProtocol.SocketInfo>(SocketProtocol.GetInfo.Instance, TimeSpan.FromSeconds(3)).Result;
        Output.WriteLine($"client sent {sent} bytes; server read {info.BytesRead}, queued {info.QueuedBytes}");
        Assert.True(info.QueuedBytes <= options.WriteHighWaterMark + SocketActor.ReadBufferSize,
            $"server queued {info.QueuedBytes} bytes for a reader that does not read");
        Assert.True(info.BytesRead < sent, "the server read everything: nothing held it back");
    }
}
