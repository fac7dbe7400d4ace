using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Cluster;
using ActorNet.Cluster;
using ActorNet.Tests.Support;
using Xunit;

namespace ActorNet.Tests;

/// <summary>
/// Several ActorSystems in this process forming one Akka.Cluster on 127.0.0.1, each serving the chat handler to real
/// TCP clients: broadcast across nodes, converging live counts, drain then leave, and a node that vanishes.
/// </summary>
[Collection(nameof(ClusterTests))]
public sealed class ClusterTests
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_line_reaches_every_other_chat_client_on_every_node_in_the_order_sent()
    {
        var nodes = await ClusterNode.StartClusterAsync(3);
        try
        {
            using var sender = new ChatClient(nodes[0].Port);
            using var sameNode = new ChatClient(nodes[0].Port);
            using var second = new ChatClient(nodes[1].Port);
            using var third = new ChatClient(nodes[2].Port);
            // The other nodes learn of each node's subscription by gossip: send until every receiver hears one.
            await Eventually.TrueAsync(() =>
            {
                sender.Send("warm-up\n");
                return second.HasDataWithin(TimeSpan.FromMilliseconds(200)) && third.HasDataWithin(TimeSpan.FromMilliseconds(200));
            }, TimeSpan.FromSeconds(20), "a line from node 0 reaches nodes 1 and 2");
            sender.Send("mark\n");
            foreach (var receiver in new[] { sameNode, second, third }) receiver.SkipThrough("mark");

            var lines = Enumerable.Range(0, 2000).Select(i => $"line {i} {new string('x', i % 300)}").ToArray();
            sender.Send(string.Concat(lines.Select(l => l + "\r\n")));
            foreach (var receiver in new[] { sameNode, second, third })
                foreach (var expected in lines)
                    Assert.Equal(expected, receiver.ReadLine());

            // The sender hears none of its own lines: the first it gets is someone else's.
            // Node 2 learns of node 0's subscription by gossip on its own: send until the sender hears one.
            await Eventually.TrueAsync(() =>
            {
                third.Send("from node 2\n");
                return sender.HasDataWithin(TimeSpan.FromMilliseconds(200));
            }, TimeSpan.FromSeconds(20), "a line from node 2 reaches node 0");
            Assert.Equal("from node 2", sender.ReadLine());
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task Every_node_sees_every_nodes_live_count_within_5_seconds_of_a_change()
    {
        var nodes = await ClusterNode.StartClusterAsync(3);
        try
        {
            using var a1 = new ChatClient(nodes[0].Port);
            using var a2 = new ChatClient(nodes[0].Port);
            using var b1 = new ChatClient(nodes[1].Port);
            await AwaitLocalCount(nodes[0], 2);
            await AwaitLocalCount(nodes[1], 1);
            await AllNodesSee(nodes, [2, 1, 0]);

            a2.Dispose();
            await AwaitLocalCount(nodes[0], 1);
            await AllNodesSee(nodes, [1, 1, 0]);
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task A_leaving_node_refuses_new_clients_serves_its_live_ones_until_they_go_and_only_then_leaves()
    {
        var nodes = await ClusterNode.StartClusterAsync(3);
        try
        {
            var leaving = nodes[2];
            using var listener = new ChatClient(nodes[0].Port);
            using var staying = new ChatClient(leaving.Port);
            await AwaitLocalCount(leaving, 1);
            await AllNodesSee(nodes, [1, 0, 1]);

            var shutdown = CoordinatedShutdown.Get(leaving.System).Run(CoordinatedShutdown.ClrExitReason.Instance);
            await Eventually.TrueAsync(() => Refused(leaving.Port), TimeSpan.FromSeconds(10), "the leaving node refuses new clients");

            // Draining: still a member, still chatting across nodes.
            await Eventually.TrueAsync(() =>
            {
                staying.Send("still here\n");
                return listener.HasDataWithin(TimeSpan.FromMilliseconds(200));
            }, TimeSpan.FromSeconds(20), "a line from the draining node reaches node 0");
            Assert.Equal("still here", listener.ReadLine());
            Assert.Contains(nodes[0].Cluster.State.Members, m => m.Address == leaving.Cluster.SelfAddress && m.Status == MemberStatus.Up);
            Assert.False(shutdown.IsCompleted);

            // Its last client goes: the drain is over, then it leaves, and its count disappears everywhere.
            staying.Dispose();
            await shutdown.WaitAsync(TimeSpan.FromSeconds(30));
            await Eventually.TrueAsync(() => nodes[0].Cluster.State.Members.All(m => m.Address != leaving.Cluster.SelfAddress),
                TimeSpan.FromSeconds(20), "node 2 removed");
            var counts = await ClusterCounts.Get(nodes[0].System).GetAsync();
            Assert.DoesNotContain(counts.Members, m => m.Address == leaving.Address);
            Assert.Equal(1, counts.Live);
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task A_node_downed_by_the_others_drains_its_clients_before_it_stops()
    {
        var nodes = await ClusterNode.StartClusterAsync(3);
        try
        {
            var downed = nodes[2];
            using var first = new ChatClient(downed.Port);
            using var second = new ChatClient(downed.Port);
            await AllNodesSee(nodes, [0, 0, 2]);

            nodes[0].Cluster.Down(downed.Cluster.SelfAddress);
            await Eventually.TrueAsync(() => Refused(downed.Port), TimeSpan.FromSeconds(10), "the downed node refuses new clients");
            // Draining: its clients are still served.
            await Eventually.TrueAsync(() =>
            {
                first.Send("still served\n");
                return second.HasDataWithin(TimeSpan.FromMilliseconds(200));
            }, TimeSpan.FromSeconds(10), "chat on the downed node");
            second.SkipThrough("still served");
            Assert.False(downed.System.WhenTerminated.IsCompleted);

            first.Dispose();
            second.Dispose();
            await downed.System.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.IsType<CoordinatedShutdown.ClusterDowningReason>(CoordinatedShutdown.Get(downed.System).ShutdownReason);
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task A_node_that_vanishes_is_removed_by_the_majority_and_its_count_disappears()
    {
        var nodes = await ClusterNode.StartClusterAsync(3, "akka.coordinated-shutdown.run-by-actor-system-terminate = off");
        try
        {
            var vanishing = nodes[2];
            using var survivor = new ChatClient(nodes[0].Port);
            using var doomed = new ChatClient(vanishing.Port);
            await AllNodesSee(nodes, [1, 0, 1]);

            // No leave, no drain: its remoting just stops, as when the process is killed.
            await vanishing.System.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
            var counts = await Eventually.MatchAsync(() => ClusterCounts.Get(nodes[0].System).GetAsync(),
                c => c.Members.All(m => m.Address != vanishing.Address), TimeSpan.FromSeconds(45), "node 2's count gone from node 0");
            Assert.Equal(1, counts.Live);
            Assert.Equal(2, counts.Members.Count);

            // The rest keep serving.
            using var newcomer = new ChatClient(nodes[1].Port);
            await Eventually.TrueAsync(() =>
            {
                newcomer.Send("after\n");
                return survivor.HasDataWithin(TimeSpan.FromMilliseconds(200));
            }, TimeSpan.FromSeconds(20), "chat between the survivors");
            Assert.Equal("after", survivor.ReadLine());
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
        }
    }

    private static bool Refused(int port)
    {
        try
        {
            Loopback.Connect(port).Dispose();
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // A connect that met the listening socket as it closed (queued, then reset): ask again.
            return false;
        }
    }

    private static Task AwaitLocalCount(ClusterNode node, int live) =>
        Eventually.TrueAsync(() => Server.LiveConnections.Get(node.System).Count == live, TimeSpan.FromSeconds(10), $"{live} live on {node.Address}");

    // Every node's view: each node's count (by the order of nodes), and their sum.
    private static async Task AllNodesSee(ClusterNode[] nodes, int[] live)
    {
        var expected = string.Join(", ", nodes.Select((n, i) => $"{n.Address}={live[i]}").Order(StringComparer.Ordinal));
        foreach (var node in nodes)
        {
            var counts = await Eventually.MatchAsync(() => ClusterCounts.Get(node.System).GetAsync(),
                c => Describe(c) == expected && c.Live == live.Sum(), Converge, $"{node.Address} sees {expected}");
            Assert.All(counts.Members, m => Assert.Equal("Up", m.Status));
        }
    }

    private static string Describe(ClusterProtocol.Counts counts) =>
        string.Join(", ", counts.Members.Select(m => $"{m.Address}={m.Live}").Order(StringComparer.Ordinal));
}

/// <summary>Cluster tests start several nodes at once; they run alone, so their timings are not another test's load.</summary>
[CollectionDefinition(nameof(ClusterTests), DisableParallelization = true)]
public sealed class ClusterTestsCollection;
