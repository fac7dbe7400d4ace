using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using ActorNet.Protocol;
using ActorNet.Tests.Support;
using ActorNet.Transport;
using ActorNet.Transport.InMemory;
using ActorNet.Transport.Proxy;
using Xunit;

namespace ActorNet.Tests.Proxy;

/// <summary>
/// Reading the header off a scripted connection, one read at a time: a header split at every byte, the bytes after
/// it, FIN and the deadline in both modes.
/// </summary>
public sealed class ProxyHeaderReaderTests : TestKit
{
    private static readonly IPEndPoint Client4 = new(IPAddress.Parse("1.2.3.4"), 1111);
    private static readonly IPEndPoint Proxy4 = new(IPAddress.Parse("5.6.7.8"), 2222);

    private IActorRefProvider Provider => ((ExtendedActorSystem)Sys).Provider;

    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(5);

    private ProxyOutcome Read(ITransportConnection connection, bool optional = false, CancellationToken deadline = default) =>
        ProxyHeaderReader.ReadAsync(connection, optional, Provider, deadline).WaitAsync(Bounded).GetAwaiter().GetResult();

    private static byte[] ReadAll(ITransportConnection connection)
    {
        var all = new List<byte>();
        var buffer = new byte[4096];
        while (true)
        {
            var read = connection.TryReceive(buffer);
            if (read.Error != SocketError.Success || read.Bytes == 0) return all.ToArray();
            all.AddRange(buffer.AsSpan(0, read.Bytes).ToArray());
        }
    }

    public static TheoryData<string, byte[]> Headers() => new()
    {
        { "v1", ProxyHeaders.V1("PROXY TCP4 1.2.3.4 5.6.7.8 1111 2222\r\n") },
        { "v2", ProxyHeaders.V2(Client4, Proxy4, ProxyHeaders.Tlv(0x02, "example.com"u8.ToArray())) },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void A_header_split_at_every_byte_position_with_data_behind_it_gives_the_client_and_every_byte_after(string version, byte[] header)
    {
        byte[] wire = [.. header, .. "payload"u8];
        for (var cut = 1; cut < wire.Length; cut++)
        {
            var connection = new ScriptedConnection(CreateTestProbe().Ref);
            connection.Feed(wire[..cut]);
            connection.Feed(wire[cut..]);
            connection.FeedEof();
            var accepted = Assert.IsType<ProxyOutcome.Accepted>(Read(connection));
            Assert.Equal(Client4, accepted.Connection.RemoteEndPoint);
            Assert.True("payload"u8.SequenceEqual(ReadAll(accepted.Connection)), $"{version}, cut at {cut}");
        }
    }

    [Theory]
    [MemberData(nameof(Headers))]
    public void A_header_read_one_byte_at_a_time_gives_the_client(string version, byte[] header)
    {
        var connection = new ScriptedConnection(CreateTestProbe().Ref);
        foreach (var b in header) connection.Feed([b]);
        connection.Feed("x"u8.ToArray());
        var accepted = Assert.IsType<ProxyOutcome.Accepted>(Read(connection));
        Assert.Equal(version == "v1" ? 1 : 2, accepted.Header!.Version);
        Assert.Equal(Client4, accepted.Connection.RemoteEndPoint);
        Assert.Equal("x"u8.ToArray(), ReadAll(accepted.Connection));
    }

    [Fact]
    public void The_bytes_read_with_the_header_come_first_and_the_owner_is_told_they_are_there()
    {
        var connection = new ScriptedConnection(CreateTestProbe().Ref);
        connection.Feed([.. ProxyHeaders.V2(Client4, Proxy4), .. "abc"u8]);
        connection.Feed("def"u8.ToArray());
        var proxied = Assert.IsType<ProxyOutcome.Accepted>(Read(connection)).Connection;
        proxied.Attach(TestActor);
        proxied.WaitReadable();
        ExpectMsg<TransportSignal.Readable>();
        var buffer = new byte[2];
        Assert.Equal(new ReadResult(2, SocketError.Success, false), proxied.TryReceive(buffer));
        Assert.Equal("ab"u8.ToArray(), buffer);
        Assert.Equal(new ReadResult(1, SocketError.Success, false), proxied.TryReceive(buffer));
        Assert.Equal((byte)'c', buffer[0]);
        Assert.Equal("def"u8.ToArray(), ReadAll(proxied));
    }

    [Fact]
    public void A_FIN_before_the_header_is_whole_rejects_the_connection()
    {
        var connection = new ScriptedConnection(CreateTestProbe().Ref);
        connection.Feed("PROXY TCP4"u8.ToArray());
        connection.FeedEof();
        Assert.Equal(ProxyOutcome.Closed, Assert.IsType<ProxyOutcome.Rejected>(Read(connection, optional: true)).Reason);
    }

    [Fact]
    public void With_optional_a_FIN_after_a_signature_prefix_passes_the_prefix_and_the_end_on()
    {
        var connection = new ScriptedConnection(CreateTestProbe().Ref);
        connection.Feed("PRO"u8.ToArray());
        connection.FeedEof();
        var accepted = Assert.IsType<ProxyOutcome.Accepted>(Read(connection, optional: true));
        Assert.Null(accepted.Header);
        Assert.Equal(connection.RemoteEndPoint, accepted.Connection.RemoteEndPoint);
        var buffer = new byte[16];
        Assert.Equal(3, accepted.Connection.TryReceive(buffer).Bytes);
        Assert.Equal(ReadResult.EndOfStream, accepted.Connection.TryReceive(buffer));
        Assert.Equal(ReadResult.EndOfStream, accepted.Connection.TryReceive(buffer));
    }

    [Fact]
    public void With_on_a_connection_that_starts_otherwise_is_rejected_at_its_first_byte()
    {
        var connection = new ScriptedConnection(CreateTestProbe().Ref);
        connection.Feed("G"u8.ToArray());
        Assert.Equal(ProxyOutcome.Missing, Assert.IsType<ProxyOutcome.Rejected>(Read(connection)).Reason);
    }

    [Fact]
    public void With_on_the_deadline_ends_the_read()
    {
        var (server, _) = InMemoryConnection.CreatePair();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var reading = ProxyHeaderReader.ReadAsync(server, optional: false, Provider, deadline.Token);
        Assert.ThrowsAny<OperationCanceledException>(() => reading.WaitAsync(Bounded).GetAwaiter().GetResult());
    }

    [Fact]
    public void With_optional_the_deadline_passes_a_silent_connection_on_and_its_armed_wait_reaches_the_owner()
    {
        var (server, client) = InMemoryConnection.CreatePair();
        client.Attach(CreateTestProbe().Ref);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var accepted = Assert.IsType<ProxyOutcome.Accepted>(Read(server, optional: true, deadline.Token));
        var proxied = accepted.Connection;
        proxied.Attach(TestActor);
        // The header phase's wait is still armed in the transport: the owner's wait is served by it, not a second one.
        proxied.WaitReadable();
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        client.TrySend("late"u8, out _);
        ExpectMsg<TransportSignal.Readable>();
        Assert.Equal("late"u8.ToArray(), ReadAll(proxied));
        // And then waits go to the transport as usual.
        proxied.WaitReadable();
        client.TrySend("more"u8, out _);
        ExpectMsg<TransportSignal.Readable>();
        Assert.Equal("more"u8.ToArray(), ReadAll(proxied));
    }
}
