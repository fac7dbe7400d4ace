using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace ActorNet.Tests.Support;

/// <summary>
/// Executables started as one cluster on loopback, each with its own client, remoting and status port, the first
/// one the seed; every node serves the chat handler.
/// </summary>
internal sealed class ClusterNodes : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly List<string> _configs = [];

    private ClusterNodes(ITestOutputHelper log) => Log = log;

    public ITestOutputHelper Log { get; }

    public List<Node> Nodes { get; } = [];

    public sealed record Node(ServerProcess Process, int Port, int StatusPort, string Address);

    /// <summary>
    /// Starts <paramref name="count"/> nodes and waits until every node's /status lists them all Up. Only the seed gets a
    /// chosen remoting port; the others bind port 0 and their address is read from their own /status, so no port can
    /// be taken between choosing and binding it. A start in which a node exits (the seed's port taken after all) is
    /// retried with new ports.
    /// </summary>
    public static ClusterNodes Start(int count, ITestOutputHelper log, string extraConfig = "")
    {
        for (var attempt = 1; ; attempt++)
        {
            var seedPort = ServerProcess.FreePort();
            var remotePorts = Enumerable.Range(0, count).Select(i => i == 0 ? seedPort : 0).ToArray();
            var cluster = StartNodes(remotePorts, $"akka.tcp://actornet@127.0.0.1:{seedPort}", log, extraConfig);
            try
            {
                for (var i = 0; i < count; i++)
                {
                    var self = cluster.AwaitStatus(cluster.Nodes[i], s => s.GetProperty("cluster").ValueKind == JsonValueKind.Object,
                        TimeSpan.FromSeconds(20), "a cluster part", forming: true);
                    cluster.Nodes[i] = cluster.Nodes[i] with { Address = self.GetProperty("cluster").GetProperty("self").GetString()! };
                }
                foreach (var node in cluster.Nodes)
                    cluster.AwaitStatus(node, s => Members(s).Count(m => m.Status == "Up") == count, TimeSpan.FromSeconds(40), $"{count} members Up", forming: true);
                return cluster;
            }
            catch (NodeExitedException e) when (attempt < 3)
            {
                log.WriteLine($"cluster start {attempt} failed, retrying: {e.Message}");
                cluster.Dispose();
            }
            catch
            {
                cluster.Dispose();
                throw;
            }
        }
    }

    /// <summary>One node whose only seed does not answer; waits until its /status answers.</summary>
    public static ClusterNodes StartUnjoined(ITestOutputHelper log)
    {
        var cluster = StartNodes([ServerProcess.FreePort()], $"akka.tcp://actornet@127.0.0.1:{ServerProcess.FreePort()}", log, "");
        try
        {
            cluster.AwaitStatus(cluster.Nodes[0], s => s.GetProperty("listening").GetBoolean(), TimeSpan.FromSeconds(20), "listening");
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    private static ClusterNodes StartNodes(int[] remotePorts, string seed, ITestOutputHelper log, string extraConfig)
    {
        var count = remotePorts.Length;
        var cluster = new ClusterNodes(log);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var port = ServerProcess.FreePort();
                var statusPort = ServerProcess.FreePort();
                var path = Path.Combine(Path.GetTempPath(), $"actornet-cluster-{Guid.NewGuid():N}.conf");
                File.WriteAllText(path, $$"""
                    actornet.server { host = "127.0.0.1", port = {{port}}, handler = chat, drain-timeout = 30s }
                    actornet.status { host = "127.0.0.1", port = {{statusPort}} }
                    akka.actor.provider = cluster
                    akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = {{remotePorts[i]}} }
                    akka.cluster.seed-nodes = ["{{seed}}"]
                    {{extraConfig}}
                    """);
                cluster._configs.Add(path);
                cluster.Nodes.Add(new Node(ServerProcess.Start("--config", path), port, statusPort,
                    remotePorts[i] == 0 ? $"(node {i}, remoting on port 0)" : $"akka.tcp://actornet@127.0.0.1:{remotePorts[i]}"));
            }
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>GET <paramref name="path"/> on the node's status endpoint: the status code and body.</summary>
    public static (HttpStatusCode Code, string Body) Get(Node node, string path)
    {
        using var response = Http.GetAsync($"http://127.0.0.1:{node.StatusPort}{path}").GetAwaiter().GetResult();
        return (response.StatusCode, response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
    }

    /// <summary>/status parsed, polled until <paramref name="condition"/> holds (bounded); returns the matching document.</summary>
    public JsonElement AwaitStatus(Node node, Func<JsonElement, bool> condition, TimeSpan timeout, string what) =>
        AwaitStatus(node, condition, timeout, what, forming: false);

    /// <summary>As above; while <paramref name="forming"/>, any node's exit ends the wait, not just this node's.</summary>
    private JsonElement AwaitStatus(Node node, Func<JsonElement, bool> condition, TimeSpan timeout, string what, bool forming)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var last = "(no answer)";
        while (true)
        {
            foreach (var other in (forming ? Nodes : [node]).Where(n => n.Process.HasExited))
                throw new NodeExitedException($"node {other.Address} exited; output:\n{other.Process.Output}");
            try
            {
                var (code, body) = Get(node, "/status");
                last = $"{(int)code} {body}";
                if (code == HttpStatusCode.OK)
                {
                    var status = JsonDocument.Parse(body).RootElement.Clone();
                    if (condition(status)) return status;
                }
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            if (Stopwatch.GetTimestamp() > deadline)
                throw new TimeoutException($"{node.Address}: not within {timeout}: {what}; last /status: {last}");
            Thread.Sleep(50);
        }
    }

    /// <summary>The members of a /status document: address, status, live.</summary>
    public static List<(string Address, string Status, int Live)> Members(JsonElement status) =>
        status.GetProperty("cluster").ValueKind == JsonValueKind.Null
            ? []
            : status.GetProperty("cluster").GetProperty("members").EnumerateArray()
                .Select(m => (m.GetProperty("address").GetString()!, m.GetProperty("status").GetString()!, m.GetProperty("live").GetInt32()))
                .ToList();

    public void Dispose()
    {
        foreach (var node in Nodes)
        {
            node.Process.Dispose();
            Log.WriteLine($"--- node {node.Address} ---\n{node.Process.Output}");
        }
        foreach (var path in _configs) File.Delete(path);
    }

    private sealed class NodeExitedException(string message) : Exception(message);
}
