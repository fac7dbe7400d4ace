using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.TestKit;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Tests.Support;
using ActorNet.Transport;
using ActorNet.Transport.Sockets;
using ActorNet.Transport.Tls;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests.Tls;

/// <summary>
/// The records of a TLS connection after its handshake, read and written on OpenSSL directly. Here the test plays the
/// socket actor: it calls the server's <see cref="TlsConnection"/> itself, over a real loopback socket, with a probe as
/// the owner that hears the transport signals; the client is .NET's SslStream.
/// </summary>
public sealed class OpenSslChannelTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private static readonly X509Certificate2 Certificate = TestCertificates.SelfSigned();
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Records_bypass_SslStream_and_half_close_works_both_ways(SslProtocols protocol)
    {
        var (server, client, owner) = await ConnectAsync(protocol);
        await using var _ = client;
        Assert.True(server.Direct, "the server's records still go through SslStream on this runtime");

        await client.WriteAsync("hello"u8.ToArray());
        Assert.Equal("hello", Read(server, owner));
        Assert.Equal(5, server.TrySend("world"u8, out var error));
        Assert.Equal(SocketError.Success, error);
        Assert.Equal("world"u8.ToArray(), await ReadAsync(client, 5));

        // Our close_notify: the client's data ends; it may still send, and we still read.
        server.ShutdownSend();
        Assert.Equal(0, await client.ReadAsync(new byte[16]).AsTask().WaitAsync(Wait));
        await client.WriteAsync("still talking"u8.ToArray());
        Assert.Equal("still talking", Read(server, owner));
        await client.ShutdownAsync();
        Assert.Equal(ReadResult.EndOfStream, Next(server, owner, new byte[64]));
        server.Close();
    }

    [Fact]
    public async Task An_error_another_caller_left_on_the_threads_OpenSSL_queue_does_not_fail_a_read()
    {
        var split = new SplitStream();
        var (server, client, owner) = await ConnectAsync(SslProtocols.Tls13, split);
        await using var _ = client;

        // The first piece makes SSL_read ask for more, with a stale error queued.
        var writing = WriteSplit(split, client, server, owner, "split");
        Assert.Equal(IntPtr.Zero, BIO_new_file("/nonexistent/actornet", "r"));
        Assert.NotEqual(0UL, ERR_peek_error());
        Assert.Equal(ReadResult.WouldBlock, server.TryReceive(new byte[64]));

        split.Release();
        await writing.AsTask().WaitAsync(Wait);
        Assert.Equal("split", Read(server, owner));
        server.Close();
    }

    [Fact]
    public async Task Close_sends_the_ciphertext_the_kernel_had_not_taken_first()
    {
        var (server, client, _) = await ConnectAsync(SslProtocols.Tls13);
        await using var _ = client;

        // More than the loopback buffers hold while the client does not read: the write is taken up to a record
        // whose ciphertext the kernel took only in part; that rest waits in the channel, and the close waits for it.
        var payload = Loopback.Pattern(32 * 1024 * 1024, seed: 5);
        var taken = server.TrySend(payload, out var error);
        Assert.Equal(SocketError.Success, error);
        Assert.InRange(taken, 1, payload.Length - 1);
        server.ShutdownSend();
        server.Close();

        var received = await ReadAsync(client, payload.Length, untilEnd: true);
        Assert.Equal(taken, received.Length);
        Assert.True(payload.AsSpan(0, taken).SequenceEqual(received), "the bytes differ");
    }

    [Fact]
    public async Task A_FIN_that_cuts_a_record_in_two_is_a_reset()
    {
        var split = new SplitStream();
        var (server, client, owner) = await ConnectAsync(SslProtocols.Tls13, split);
        await using var _ = client;
        var writing = WriteSplit(split, client, server, owner, "cut short");
        Assert.Equal(ReadResult.WouldBlock, server.TryReceive(new byte[64]));

        split.Socket!.Shutdown(SocketShutdown.Send);
        Assert.Equal(ReadResult.Failure(SocketError.ConnectionReset), Next(server, owner, new byte[64]));
        server.Close();
        split.Release();
        await Assert.ThrowsAnyAsync<IOException>(async () => await writing);
    }

    [Fact]
    public async Task Close_after_the_peer_reset_a_pending_send_closes_at_once()
    {
        var split = new SplitStream();
        var (server, client, owner) = await ConnectAsync(SslProtocols.Tls13, split);
        await using var _ = client;
        var payload = Loopback.Pattern(32 * 1024 * 1024, seed: 6);
        var taken = server.TrySend(payload, out var error);
        Assert.Equal(SocketError.Success, error);
        Assert.InRange(taken, 1, payload.Length - 1); // the rest of a record is being sent

        split.Socket!.LingerState = new LingerOption(true, 0);
        split.Socket.Close(); // RST
        owner.ExpectMsg<TransportSignal.Failed>(Wait);
        server.Close();
        Assert.True(((SocketsConnection)server.Inner).Socket.SafeHandle.IsClosed, "the socket waits for a send that failed");
    }

    private async Task<(TlsConnection Server, SslStream Client, TestProbe Owner)> ConnectAsync(SslProtocols protocol, SplitStream? split = null)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var connecting = socket.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var accepted = await listener.AcceptSocketAsync().WaitAsync(Wait);
        await connecting.WaitAsync(Wait);
        Stream network = new NetworkStream(socket, ownsSocket: true);
        if (split is not null) network = split.Over(network, socket);
        var client = new SslStream(network, leaveInnerStreamOpen: false, (_, _, _, _) => true);
        var options = new TlsServerOptions { Certificate = Certificate, HandshakeTimeout = Wait };
        var accepting = TlsHandshake.AcceptAsync(new EngineConnection(accepted), options, ((ExtendedActorSystem)Sys).Provider, CancellationToken.None);
        await client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", EnabledSslProtocols = protocol })
            .WaitAsync(Wait);
        var server = await accepting.WaitAsync(Wait);
        var owner = CreateTestProbe();
        server.Attach(owner.Ref);
        return (server, client, owner);
    }

    // One record, sent in two pieces: the first 10 bytes now (the server hears Readable), the rest once released.
    private static ValueTask WriteSplit(SplitStream split, SslStream client, TlsConnection server, TestProbe owner, string text)
    {
        split.SplitNext(10);
        var writing = client.WriteAsync(System.Text.Encoding.ASCII.GetBytes(text));
        server.WaitReadable();
        owner.ExpectMsg<TransportSignal.Readable>(Wait);
        return writing;
    }

    // As a socket actor reads: wait for Readable and read, again while there is nothing yet (a Readable may find nothing).
    private static ReadResult Next(TlsConnection server, TestProbe owner, byte[] buffer)
    {
        while (true)
        {
            server.WaitReadable();
            owner.ExpectMsg<TransportSignal.Readable>(Wait);
            var result = server.TryReceive(buffer);
            if (result.Error != SocketError.WouldBlock) return result;
        }
    }

    private static string Read(TlsConnection server, TestProbe owner)
    {
        var buffer = new byte[64];
        var result = Next(server, owner, buffer);
        Assert.Equal(SocketError.Success, result.Error);
        Assert.True(result.Bytes > 0, "the stream ended");
        return System.Text.Encoding.ASCII.GetString(buffer, 0, result.Bytes);
    }

    private static async Task<byte[]> ReadAsync(SslStream client, int count, bool untilEnd = false)
    {
        var buffer = new byte[count];
        var total = 0;
        while (total < count)
        {
            var n = await client.ReadAsync(buffer.AsMemory(total)).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            if (n == 0) break;
            total += n;
        }
        Assert.True(untilEnd || total == count, $"the stream ended after {total} of {count} bytes");
        return buffer[..total];
    }

    // A stream whose next write goes out in two pieces, the second once released; and its socket.
    private sealed class SplitStream
    {
        private int _first;
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void SplitNext(int first) => _first = first;

        public void Release() => _released.TrySetResult();

        public Socket? Socket { get; private set; }

        public Stream Over(Stream inner, Socket socket)
        {
            Socket = socket;
            return new Splitting(inner, this);
        }

        private sealed class Splitting(Stream inner, SplitStream split) : Stream
        {
            public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
            {
                var first = Interlocked.Exchange(ref split._first, 0);
                if (first <= 0 || first >= buffer.Length)
                {
                    await inner.WriteAsync(buffer, cancellationToken);
                    return;
                }
                await inner.WriteAsync(buffer[..first], cancellationToken);
                await inner.FlushAsync(cancellationToken);
                await split._released.Task;
                await inner.WriteAsync(buffer[first..], cancellationToken);
            }

            public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
                WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

            public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
                inner.ReadAsync(buffer, cancellationToken);

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
                inner.ReadAsync(buffer, offset, count, cancellationToken);

            public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

            public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

            public override void Flush() => inner.Flush();

            public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

            protected override void Dispose(bool disposing)
            {
                if (disposing) inner.Dispose();
                base.Dispose(disposing);
            }

            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
        }
    }

    [DllImport("libcrypto.so.3")]
    private static extern IntPtr BIO_new_file(string path, string mode);

    [DllImport("libcrypto.so.3")]
    private static extern ulong ERR_peek_error();
}
