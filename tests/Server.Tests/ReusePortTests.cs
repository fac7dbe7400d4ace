using System.Globalization;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ActorNet.Tests;

/// <summary>
/// docs/contract.md, "Several nodes on one host and port": with <c>reuse-port = on</c> several executables bind the
/// same host:port and the kernel spreads new connections among them (docs/several-nodes-one-port.md). Which process
/// serves a connection is read from the kernel: the server-side socket's inode in /proc/net/tcp, found among the
/// process's descriptors in /proc/PID/fd.
/// </summary>
public class ReusePortTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("auto")]
    [InlineData("sockets")]
    public void Two_nodes_share_a_port_both_serve_and_a_draining_node_keeps_its_connections_while_new_ones_go_to_the_other(string transport)
    {
        var config = ServerConfig.Default.With("transport", transport).With("reuse-port", "on").DrainTimeout("60s");
        using var a = StartListening(config, port: null);
        var port = a.Port;
        using var b = StartListening(config, port);
        var nodes = new[] { a, b };
        Assert.True(Kernel.IsListening(a, port), "node A has no listening socket on the port");
        Assert.True(Kernel.IsListening(b, port), "node B has no listening socket on the port");

        // 64 connections, each echoing its own bytes; then ask the kernel which process holds each.
        var clients = new List<Client>();
        try
        {
            for (var i = 0; i < 64; i++)
            {
                var client = Client.Connect(port);
                clients.Add(client);
                AssertEchoesPattern(client, seed: (ulong)i, size: 4096);
            }
            var ownerOf = clients.ToDictionary(c => c, c => Kernel.OwnerOf(port, c.LocalPort, nodes));
            var onA = clients.Where(c => ownerOf[c] == a).ToList();
            var onB = clients.Where(c => ownerOf[c] == b).ToList();
            output.WriteLine($"64 connections: {onA.Count} on node A (pid {a.Pid}), {onB.Count} on node B (pid {b.Pid})");
            Assert.Equal(64, onA.Count + onB.Count);
            Assert.NotEmpty(onA);
            Assert.NotEmpty(onB);

            // SIGTERM node A: it closes its listener and drains; from then on the kernel sends every new connection to B.
            a.Signal(ServerProcess.SIGTERM);
            Assert.True(a.WaitForOutput($"Stopped accepting on 127.0.0.1:{port}", Short), $"node A did not stop accepting; output:\n{a.Output}");
            Assert.True(Kernel.WaitUntil(() => !Kernel.IsListening(a, port), Short), "node A's listening socket is still open");

            // Every existing connection still echoes: A's during its drain, B's as before.
            for (var i = 0; i < clients.Count; i++)
            {
                if (ownerOf[clients[i]] == a) Draining.AssertStillEchoes(a, clients[i], $"draining {i}\n");
                else clients[i].AssertEchoes($"serving {i}\n", Short);
            }
            Assert.False(a.HasExited, "node A must not exit while its connections are open");

            // New connections succeed, and node B serves every one of them.
            for (var i = 0; i < 32; i++)
            {
                using var fresh = Client.Connect(port);
                AssertEchoesPattern(fresh, seed: 1000 + (ulong)i, size: 1024);
                Assert.Same(b, Kernel.OwnerOf(port, fresh.LocalPort, nodes));
            }

            // Closing A's connections ends its drain long before its 60 s drain-timeout: they were A's.
            foreach (var client in onA)
            {
                client.ShutdownSend();
                var end = client.ReadToEnd(Short);
                Assert.True(end.End == End.Fin && end.Data.Length == 0, $"a connection of node A ended with {end}");
            }
            Draining.AssertExitsZero(a, TimeSpan.FromSeconds(10));

            Assert.False(b.HasExited, $"node B exited; output:\n{b.Output}");
            foreach (var client in onB) client.AssertEchoes("still here\n", Short);
            using (var last = Client.Connect(port))
                last.AssertEchoes("after node A left\n", Short);
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }
    }

    [Theory]
    [InlineData("off", "off")]
    [InlineData("on", "off")]
    [InlineData("off", "on")]
    public void Unless_both_nodes_set_reuse_port_the_second_exits_1_with_EADDRINUSE_and_the_first_keeps_serving(string first, string second)
    {
        using var a = StartListening(ServerConfig.Default.With("reuse-port", first), port: null);
        var port = a.Port;

        using var b = ServerProcess.StartWithConfig(ServerConfig.Default.With("reuse-port", second), port, output);
        var code = b.WaitForExit(StartTimeout);
        Assert.True(code == 1, $"exit code {code}; output:\n{b.Output}");
        Assert.Contains($"Server error: listen EADDRINUSE: address already in use 127.0.0.1:{port}", b.Output);

        Assert.False(a.HasExited, $"the first node exited; output:\n{a.Output}");
        using var client = Client.Connect(port);
        client.AssertEchoes("first node\n", Short);
        Assert.Same(a, Kernel.OwnerOf(port, client.LocalPort, [a]));
    }

    /// <summary>
    /// Starts the executable and waits until it logs that it listens. Without <paramref name="port"/>, on a free port;
    /// one taken between choosing and binding it (EADDRINUSE) is retried with another.
    /// </summary>
    private ServerProcess StartListening(ServerConfig config, int? port)
    {
        for (var attempt = 1; ; attempt++)
        {
            var server = ServerProcess.StartWithConfig(config, port ?? ServerProcess.FreePort(), output);
            try
            {
                if (WaitUntilListening(server)) return server;
                var inUse = server.Output.Contains("EADDRINUSE", StringComparison.Ordinal);
                if (port is not null || !inUse || attempt == 5)
                    throw new XunitException($"the server did not listen on port {server.Port} (exited: {server.HasExited}); output:\n{server.Output}");
            }
            catch
            {
                server.Dispose();
                throw;
            }
            server.Dispose();
        }
    }

    private static bool WaitUntilListening(ServerProcess server)
    {
        var text = $"Listening on 127.0.0.1:{server.Port} ";
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (Wait.Since(started) < StartTimeout)
        {
            if (server.WaitForOutput(text, TimeSpan.FromMilliseconds(200))) return true;
            if (server.HasExited) return server.WaitForOutput(text, TimeSpan.Zero);
        }
        return false;
    }

    private static void AssertEchoesPattern(Client client, ulong seed, int size)
    {
        var data = new Pattern(seed).Bytes(0, size);
        client.Send(data);
        Assert.Equal(data, client.ReadExactly(size, Short));
    }

    /// <summary>The kernel's socket tables: which process holds a loopback TCP socket (Linux /proc).</summary>
    private static class Kernel
    {
        private const string Established = "01";
        private const string Listen = "0A";

        /// <summary>The node whose descriptors include the server side of 127.0.0.1:serverPort &lt;- :clientPort; null if none.</summary>
        public static ServerProcess? OwnerOf(int serverPort, int clientPort, IReadOnlyList<ServerProcess> nodes)
        {
            var inode = Table().FirstOrDefault(e => e.Local == serverPort && e.Remote == clientPort && e.State == Established).Inode;
            if (inode == 0) throw new XunitException($"the kernel has no established server side for client port {clientPort}");
            return nodes.FirstOrDefault(n => SocketInodes(n.Pid).Contains(inode));
        }

        /// <summary>Whether <paramref name="node"/> holds a listening socket on <paramref name="port"/>.</summary>
        public static bool IsListening(ServerProcess node, int port)
        {
            var inodes = SocketInodes(node.Pid);
            return Table().Any(e => e.Local == port && e.State == Listen && inodes.Contains(e.Inode));
        }

        public static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
        {
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            while (!condition())
            {
                if (Wait.Since(start) > timeout) return false;
                Thread.Sleep(20); // poll interval of a bounded loop
            }
            return true;
        }

        private static HashSet<long> SocketInodes(int pid)
        {
            var inodes = new HashSet<long>();
            string[] fds;
            try
            {
                fds = Directory.GetFiles($"/proc/{pid}/fd");
            }
            catch (DirectoryNotFoundException)
            {
                return inodes; // the process has exited
            }
            foreach (var fd in fds)
            {
                string? target;
                try
                {
                    target = new FileInfo(fd).LinkTarget;
                }
                catch (IOException)
                {
                    continue; // closed meanwhile
                }
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
                    inodes.Add(long.Parse(target["socket:[".Length..^1], CultureInfo.InvariantCulture));
            }
            return inodes;
        }

        // Lines of /proc/net/tcp and tcp6: "sl local_address rem_address st ... uid timeout inode ...", addresses "HEXIP:HEXPORT".
        private static List<(int Local, int Remote, string State, long Inode)> Table()
        {
            var entries = new List<(int, int, string, long)>();
            foreach (var file in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
            {
                if (!File.Exists(file)) continue;
                foreach (var line in File.ReadLines(file).Skip(1))
                {
                    var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (f.Length < 10) continue;
                    entries.Add((Port(f[1]), Port(f[2]), f[3], long.Parse(f[9], CultureInfo.InvariantCulture)));
                }
            }
            return entries;
        }

        private static int Port(string address) => int.Parse(address[(address.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }
}
