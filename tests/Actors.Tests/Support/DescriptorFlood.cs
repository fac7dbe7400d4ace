using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests.Support;

/// <summary>
/// A server process under a low open-files limit, flooded past it: the executable (Server.Tests, DescriptorLimitTests)
/// and a process embedding the library (Actors.Tests, the HandlerServer example) pass the same checks. Each connection
/// of the flood is served (the probe's reply comes back) or closed at once (FIN or RST), none hangs; the process lives,
/// warns at most once a second, its descriptors return to where they were, and it serves byte-exact again.
/// </summary>
/// <param name="reply">What the server writes back for the bytes it reads (echo: the same bytes).</param>
internal sealed class DescriptorFlood(int pid, int port, Func<bool> hasExited, Func<string> serverOutput,
    Func<byte[], byte[]> reply, ITestOutputHelper output)
{
    /// <summary>The RLIMIT_NOFILE (soft and hard) the flooded process runs under.</summary>
    public const int OpenFilesLimit = 256;

    private const int Connections = 1000;
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SettleBound = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Makes <paramref name="dotnet"/> (file name "dotnet" and its arguments) run under <paramref name="limit"/>:
    /// the shell sets it and becomes dotnet (exec), so the pid is the server's.
    /// </summary>
    public static void RunUnderOpenFilesLimit(ProcessStartInfo dotnet, int limit = OpenFilesLimit)
    {
        dotnet.FileName = "/bin/sh";
        dotnet.ArgumentList.Insert(0, "-c");
        dotnet.ArgumentList.Insert(1, $"ulimit -n {limit} && exec dotnet \"$@\"");
        dotnet.ArgumentList.Insert(2, "sh");
    }

    /// <summary>Floods twice and checks the process after each; see the class summary.</summary>
    public async Task RunAsync()
    {
        var started = Stopwatch.StartNew();
        // The first flood also makes the runtime's one-time descriptors (a lazily loaded assembly, a socket engine);
        // the baseline is taken once the process has settled after it.
        await FloodAndCheck();
        var baseline = await Settled();
        var before = DescribeDescriptors();
        await FloodAndCheck();

        AssertAlive("after the flood");
        // One warning a second at most while at the limit.
        var warnings = Regex.Matches(serverOutput(), "At the open-files limit").Count;
        Assert.InRange(warnings, 1, (int)Math.Ceiling(started.Elapsed.TotalSeconds) + 1);

        // Descriptors come back by themselves, and the server serves again.
        var deadline = Stopwatch.StartNew();
        var now = OpenDescriptors();
        while (now > baseline && deadline.Elapsed < SettleBound)
        {
            await Task.Delay(100);
            now = OpenDescriptors();
        }
        Assert.True(now <= baseline, $"{now} descriptors open {SettleBound.TotalSeconds} s after the flood, {baseline} before it; new: "
            + string.Join(", ", DescribeDescriptors().Except(before)));
        ServesByteExact();
    }

    // Many more connections than descriptors, held at once: each is served or closed at once; none hangs.
    private async Task FloodAndCheck()
    {
        var clients = new List<Socket>();
        try
        {
            foreach (var socket in await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => ConnectOrNull())))
                if (socket is not null) clients.Add(socket);
            AssertAlive("during the flood");
            var served = 0;
            var turnedAway = 0;
            foreach (var client in clients)
            {
                var outcome = Probe(client);
                Assert.True(outcome is not null, "a connection got neither a reply nor a close within " + Prompt);
                if (outcome == true) served++;
                else turnedAway++;
            }
            output.WriteLine($"{clients.Count} connected of {Connections}: {served} served, {turnedAway} turned away");
            Assert.InRange(served, 1, OpenFilesLimit);
            Assert.True(turnedAway > 0, "nothing was turned away: the flood never reached the limit");
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }
    }

    private void AssertAlive(string when) => Assert.False(hasExited(), $"the server died {when}:\n{serverOutput()}");

    // 64 KiB of every byte value, written back as the server's reply says, byte for byte.
    private void ServesByteExact()
    {
        var data = new byte[64 * 1024];
        new Random(7).NextBytes(data);
        var expected = reply(data);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.ReceiveTimeout = (int)Prompt.TotalMilliseconds;
        client.Connect(new IPEndPoint(IPAddress.Loopback, port));
        client.Send(data);
        var received = new byte[expected.Length];
        for (var offset = 0; offset < received.Length;)
        {
            var n = client.Receive(received, offset, received.Length - offset, SocketFlags.None);
            Assert.True(n > 0, $"the server closed after {offset} of {received.Length} bytes");
            offset += n;
        }
        Assert.Equal(expected, received);
    }

    // The descriptor count once it has stopped falling (closes finish asynchronously), within 10 s.
    private async Task<int> Settled()
    {
        var deadline = Stopwatch.StartNew();
        var last = OpenDescriptors();
        var stableSince = Stopwatch.StartNew();
        while (stableSince.Elapsed < TimeSpan.FromMilliseconds(500) && deadline.Elapsed < SettleBound)
        {
            await Task.Delay(50);
            var now = OpenDescriptors();
            if (now != last) stableSince.Restart();
            last = now;
        }
        return last;
    }

    private int OpenDescriptors() => Directory.GetFiles($"/proc/{pid}/fd").Length;

    // "fd -> target" for each open descriptor, to name what a leak is.
    private string[] DescribeDescriptors() =>
        Directory.GetFiles($"/proc/{pid}/fd").Select(f => $"{Path.GetFileName(f)} -> {new FileInfo(f).LinkTarget}").ToArray();

    private async Task<Socket?> ConnectOrNull()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(Prompt);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
            return socket;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // A full backlog drops SYNs; such a client is not a connection the server could serve or close.
            socket.Dispose();
            return null;
        }
    }

    // true: the reply came back; false: the server closed it (FIN or RST); null: nothing within the prompt window (a hang).
    private bool? Probe(Socket socket)
    {
        var probe = "x"u8.ToArray();
        var expected = reply(probe);
        var buffer = new byte[1];
        socket.ReceiveTimeout = (int)Prompt.TotalMilliseconds;
        try
        {
            socket.Send(probe);
            return socket.Receive(buffer) == 1 && buffer[0] == expected[0];
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            return null;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
