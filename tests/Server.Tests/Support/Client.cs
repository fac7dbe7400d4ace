using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit;
using Xunit.Sdk;

namespace ActorNet.Tests.Support;

/// <summary>How a read-to-end finished.</summary>
internal enum End
{
    /// <summary>The server's FIN (receive returned 0).</summary>
    Fin,

    /// <summary>ECONNRESET.</summary>
    Reset,

    /// <summary>Neither within the time allowed.</summary>
    Timeout,

    /// <summary>The byte count asked for arrived; the connection may still be open.</summary>
    Open,
}

/// <summary>What a read-to-end saw.</summary>
internal sealed record Outcome(byte[] Data, End End, TimeSpan Elapsed)
{
    public string Text => Encoding.ASCII.GetString(Data);

    public override string ToString() => $"{End} after {Elapsed.TotalMilliseconds:F0} ms with {Data.Length} bytes";
}

/// <summary>A blocking IPv4 loopback client socket with bounded waits; every wait uses Poll with a deadline.</summary>
internal sealed class Client : IDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private Client(Socket socket)
    {
        Socket = socket;
        Socket.SendTimeout = 30_000;
    }

    public Socket Socket { get; }

    public int LocalPort => ((IPEndPoint)Socket.LocalEndPoint!).Port;

    /// <summary>Connects to 127.0.0.1:<paramref name="port"/>; fails the test if the connect does not succeed.</summary>
    public static Client Connect(int port)
    {
        var error = TryConnect(port, out var client);
        if (client is null) throw new XunitException($"connect to 127.0.0.1:{port} failed: {error}");
        return client;
    }

    /// <summary>Connects; returns the socket error (Success when <paramref name="client"/> is set).</summary>
    public static SocketError TryConnect(int port, out Client? client)
    {
        client = null;
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (!socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).Wait(ConnectTimeout))
            {
                socket.Dispose();
                return SocketError.TimedOut;
            }
            client = new Client(socket);
            return SocketError.Success;
        }
        catch (AggregateException e) when (e.InnerException is SocketException s)
        {
            socket.Dispose();
            return s.SocketErrorCode;
        }
    }

    public void Send(string text) => Send(Encoding.ASCII.GetBytes(text));

    public void Send(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            var n = Socket.Send(data);
            data = data[n..];
        }
    }

    /// <summary>shutdown(SHUT_WR): our FIN.</summary>
    public void ShutdownSend() => Socket.Shutdown(SocketShutdown.Send);

    /// <summary>Closes with SO_LINGER 0: an RST.</summary>
    public void Reset()
    {
        Socket.LingerState = new LingerOption(true, 0);
        Socket.Close();
    }

    /// <summary>True when nothing (no data, no FIN, no RST) arrives for the whole of <paramref name="duration"/>.</summary>
    public bool NothingArrivesWithin(TimeSpan duration) => !Socket.Poll(duration, SelectMode.SelectRead);

    /// <summary>Asserts that nothing arrives for <paramref name="duration"/>, naming what did arrive otherwise.</summary>
    public void AssertNothingArrivesWithin(TimeSpan duration, string because)
    {
        if (NothingArrivesWithin(duration)) return;
        var outcome = ReadToEnd(TimeSpan.FromMilliseconds(200));
        throw new XunitException($"expected nothing for {duration.TotalMilliseconds:F0} ms ({because}) but got {outcome}: \"{Printable(outcome.Data)}\"");
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes within <paramref name="timeout"/>; fails the test otherwise.</summary>
    public byte[] ReadExactly(int count, TimeSpan timeout)
    {
        var buffer = new byte[count];
        var got = 0;
        var start = Stopwatch.GetTimestamp();
        while (got < count)
        {
            var remaining = timeout - Stopwatch.GetElapsedTime(start);
            if (remaining <= TimeSpan.Zero || !Socket.Poll(remaining, SelectMode.SelectRead))
                throw new XunitException($"timed out after {timeout.TotalMilliseconds:F0} ms with {got} of {count} bytes");
            int n;
            try
            {
                n = Socket.Receive(buffer, got, count - got, SocketFlags.None);
            }
            catch (SocketException e) when (IsReset(e))
            {
                throw new XunitException($"connection reset after {got} of {count} bytes");
            }
            if (n == 0) throw new XunitException($"FIN after {got} of {count} bytes: \"{Printable(buffer.AsSpan(0, got))}\"");
            got += n;
        }
        return buffer;
    }

    public string ReadString(int count, TimeSpan timeout) => Encoding.ASCII.GetString(ReadExactly(count, timeout));

    /// <summary>Reads until FIN, RST or <paramref name="timeout"/>.</summary>
    public Outcome ReadToEnd(TimeSpan timeout, Action<ReadOnlySpan<byte>>? onData = null, bool keep = true, long stopAfter = long.MaxValue)
    {
        long total = 0;
        var data = new MemoryStream();
        var buffer = new byte[256 * 1024];
        var start = Stopwatch.GetTimestamp();
        while (true)
        {
            var remaining = timeout - Stopwatch.GetElapsedTime(start);
            if (remaining <= TimeSpan.Zero || !Socket.Poll(remaining, SelectMode.SelectRead))
                return new Outcome(data.ToArray(), End.Timeout, Stopwatch.GetElapsedTime(start));
            int n;
            try
            {
                n = Socket.Receive(buffer, 0, (int)Math.Min(buffer.Length, stopAfter - total), SocketFlags.None);
            }
            catch (SocketException e) when (IsReset(e))
            {
                return new Outcome(data.ToArray(), End.Reset, Stopwatch.GetElapsedTime(start));
            }
            if (n == 0) return new Outcome(data.ToArray(), End.Fin, Stopwatch.GetElapsedTime(start));
            onData?.Invoke(buffer.AsSpan(0, n));
            if (keep) data.Write(buffer, 0, n);
            total += n;
            if (total >= stopAfter) return new Outcome(data.ToArray(), End.Open, Stopwatch.GetElapsedTime(start));
        }
    }

    /// <summary>Sends one small message and expects it echoed back within <paramref name="timeout"/>.</summary>
    public void AssertEchoes(string text, TimeSpan timeout)
    {
        Send(text);
        Assert.Equal(text, ReadString(text.Length, timeout));
    }

    public void Dispose() => Socket.Dispose();

    public static bool IsReset(SocketException e) =>
        e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown;

    public static string Printable(ReadOnlySpan<byte> data)
    {
        var text = Encoding.ASCII.GetString(data.Length > 200 ? data[..200] : data);
        return text.Replace("\n", "\\n") + (data.Length > 200 ? "..." : "");
    }
}
