using System.Net;
using System.Text.Json;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>
/// The executable in cluster mode (docs/contract.md, "Cluster mode"): three processes on loopback, the chat handler
/// across them, /status with converged counts, SIGTERM drain-then-leave, and a SIGKILLed node.
/// </summary>
[Collection(nameof(ClusterProcessTests))]
public sealed class ClusterProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(5);

    // Decide on a killed node sooner than the 20 s default, so the test does not wait for it.
    private const string QuickDowning = "akka.cluster.split-brain-resolver.stable-after = 3s";

    [Fact]
    public void Three_nodes_chat_across_nodes_and_every_status_shows_the_converged_counts()
    {
        using var cluster = ClusterNodes.Start(3, output);
        var nodes = cluster.Nodes;
        using var alice = new ChatClient(nodes[0].Port);
        using var amos = new ChatClient(nodes[0].Port);
        using var bob = new ChatClient(nodes[1].Port);
        using var carol = new ChatClient(nodes[2].Port);
        // Each sending node learns of the others' subscriptions by gossip on its own: warm both senders.
        Warm(alice, [amos, bob, carol]);
        Warm(carol, [alice, amos, bob]);

        alice.Send("hello from node 0\n");
        carol.Send("hello from node 2\r\n");
        foreach (var receiver in new[] { amos, bob })
        {
            // Lines from two senders may interleave; each sender's own lines keep their order.
            string?[] got = [receiver.ReadLine(), receiver.ReadLine()];
            Assert.Equal(["hello from node 0", "hello from node 2"], got.Order(StringComparer.Ordinal));
        }
        Assert.Equal("hello from node 2", alice.ReadLine());
        Assert.Equal("hello from node 0", carol.ReadLine());

        int[] live = [2, 1, 1];
        for (var i = 0; i < nodes.Count; i++)
        {
            var status = cluster.AwaitStatus(nodes[i], s => Counts(s, nodes) == string.Join(",", live), Converge, "the counts 2,1,1");
            Assert.True(status.GetProperty("listening").GetBoolean());
            Assert.False(status.GetProperty("draining").GetBoolean());
            Assert.Equal(live[i], status.GetProperty("live").GetInt32());
            var clusterPart = status.GetProperty("cluster");
            Assert.Equal(nodes[i].Address, clusterPart.GetProperty("self").GetString());
            Assert.Equal(4, clusterPart.GetProperty("live").GetInt32());
            Assert.All(ClusterNodes.Members(status), m => Assert.Equal("Up", m.Status));
            Assert.Equal(HttpStatusCode.OK, ClusterNodes.Get(nodes[i], "/readyz").Code);
        }
    }

    [Fact]
    public void Sigterm_drains_the_node_then_it_leaves_and_exits_0_while_the_others_keep_serving()
    {
        using var cluster = ClusterNodes.Start(3, output);
        var nodes = cluster.Nodes;
        var leaving = nodes[2];
        using var listener = new ChatClient(nodes[0].Port);
        using var staying = new ChatClient(leaving.Port);
        Warm(staying, [listener]);

        leaving.Process.Signal(ServerProcess.SIGTERM);
        Assert.True(Poll(() => ClusterNodes.Get(leaving, "/readyz").Code == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(2)),
            "/readyz turns 503 at once");
        // Draining: its client still chats across nodes, and it is still a member.
        staying.Send("still here\n");
        Assert.Equal("still here", listener.ReadLine());
        var during = cluster.AwaitStatus(nodes[0], s => ClusterNodes.Members(s).Any(m => m.Address == leaving.Address && m.Live == 1),
            Converge, "the draining node still counted");
        Assert.Contains(ClusterNodes.Members(during), m => m.Address == leaving.Address && m.Status == "Up");

        staying.Dispose();
        Assert.Equal(0, leaving.Process.WaitForExit(TimeSpan.FromSeconds(30)));
        var log = leaving.Process.Output;
        var drained = log.IndexOf("Server closed: every connection drained", StringComparison.Ordinal);
        var left = log.IndexOf($"Marked address [{leaving.Address}] as [Leaving]", StringComparison.Ordinal);
        Assert.True(drained >= 0 && left > drained, $"the node drains, then leaves; log:\n{log}");

        foreach (var node in nodes.Take(2))
            cluster.AwaitStatus(node, s => ClusterNodes.Members(s).Count == 2 && ClusterNodes.Members(s).All(m => m.Address != leaving.Address),
                TimeSpan.FromSeconds(20), "the node that left is gone");
        using var newcomer = new ChatClient(nodes[1].Port);
        Warm(newcomer, [listener]);
    }

    [Fact]
    public void A_sigkilled_node_disappears_from_status_and_the_others_keep_serving()
    {
        using var cluster = ClusterNodes.Start(3, output, QuickDowning);
        var nodes = cluster.Nodes;
        using var doomed = new ChatClient(nodes[2].Port);
        cluster.AwaitStatus(nodes[0], s => Counts(s, nodes) == "0,0,1", Converge, "the doomed node's client counted");

        nodes[2].Process.Dispose(); // SIGKILL
        foreach (var node in nodes.Take(2))
        {
            var status = cluster.AwaitStatus(node, s => ClusterNodes.Members(s).All(m => m.Address != nodes[2].Address),
                TimeSpan.FromSeconds(60), "the killed node's count gone");
            Assert.Equal(0, status.GetProperty("cluster").GetProperty("live").GetInt32());
            Assert.Equal(HttpStatusCode.OK, ClusterNodes.Get(node, "/readyz").Code);
        }
        using var a = new ChatClient(nodes[0].Port);
        using var b = new ChatClient(nodes[1].Port);
        Warm(a, [b]);
    }

    [Fact]
    public void A_node_that_has_not_joined_serves_its_own_clients_alone_and_is_not_ready()
    {
        // Its only seed is a port nobody listens on: it keeps trying to join, and serves meanwhile.
        var cluster = ClusterNodes.StartUnjoined(output);
        using var _ = cluster;
        var node = cluster.Nodes[0];
        using var a = new ChatClient(node.Port);
        using var b = new ChatClient(node.Port);
        Warm(a, [b]);
        b.Send("alone\n");
        Assert.Equal("alone", a.ReadLine());

        var status = cluster.AwaitStatus(node, s => s.GetProperty("live").GetInt32() == 2, Converge, "two clients counted");
        Assert.True(status.GetProperty("listening").GetBoolean());
        var member = Assert.Single(ClusterNodes.Members(status));
        Assert.Equal((node.Address, 2), (member.Address, member.Live));
        Assert.Equal("Joining", member.Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ClusterNodes.Get(node, "/readyz").Code);
        Assert.Equal(HttpStatusCode.OK, ClusterNodes.Get(node, "/healthz").Code);
    }

    [Fact]
    public void A_second_node_on_a_taken_remoting_port_exits_1_naming_the_key()
    {
        using var cluster = ClusterNodes.StartUnjoined(output);
        var taken = new Uri(cluster.Nodes[0].Address.Replace("akka.tcp", "tcp")).Port;
        using var second = ServerProcess.Start("akka.actor.provider=cluster", "akka.remote.dot-netty.tcp.hostname=127.0.0.1",
            $"akka.remote.dot-netty.tcp.port={taken}", $"actornet.server.port={ServerProcess.FreePort()}");
        Assert.Equal(1, second.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Contains($"Cluster error: remoting cannot listen on 127.0.0.1:{taken} (akka.remote.dot-netty.tcp.port): address already in use",
            second.Output);
    }

    // Subscriptions reach the other nodes by gossip: send until every receiver hears one, then skip to a mark.
    private static void Warm(ChatClient sender, ChatClient[] receivers)
    {
        Assert.True(Poll(() =>
        {
            sender.Send("warm-up\n");
            return receivers.All(r => r.HasDataWithin(TimeSpan.FromMilliseconds(200)));
        }, TimeSpan.FromSeconds(20)), "a line reaches every receiver");
        sender.Send("mark\n");
        foreach (var receiver in receivers) receiver.SkipThrough("mark");
    }

    private static bool Poll(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(20);
        }
        return true;
    }

    // Each node's live count as a member of the cluster status, in the order of nodes.
    private static string Counts(JsonElement status, List<ClusterNodes.Node> nodes)
    {
        var members = ClusterNodes.Members(status);
        if (members.Count != nodes.Count) return "members: " + members.Count;
        return string.Join(",", nodes.Select(n => members.FirstOrDefault(m => m.Address == n.Address).Live));
    }
}

/// <summary>Cluster tests start several nodes at once; they run alone, so their timings are not another test's load.</summary>
[CollectionDefinition(nameof(ClusterProcessTests), DisableParallelization = true)]
public sealed class ClusterProcessTestsCollection;
