using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorNet.Options;
using ActorNet.Server;
using Xunit;

namespace ActorNet.Tests;

/// <summary>
/// <see cref="StatusSource"/>, the seam the status endpoint reads from (and cluster mode fills in), and
/// <see cref="StatusEndpoint"/> in this process over real HTTP: the states a black-box test cannot hold still.
/// </summary>
public sealed class StatusSourceTests
{
    private sealed record Member(string Address, string Status, int Live);

    private sealed record ClusterPart(string Self, int Live, IReadOnlyList<Member> Members);

    [Fact]
    public void Ready_from_listening_until_the_drain_which_is_never_undone()
    {
        var source = new StatusSource();
        Assert.False(source.Ready);
        Assert.False(source.Listening);
        Assert.False(source.Draining);

        source.MarkListening();
        Assert.True(source.Ready);
        Assert.True(source.Listening);

        source.MarkDraining();
        Assert.False(source.Ready);
        Assert.False(source.Listening);
        Assert.True(source.Draining);

        source.MarkListening();
        Assert.False(source.Ready);
        Assert.True(source.Draining);
    }

    [Fact]
    public void A_drain_before_the_listening_reply_leaves_it_not_ready()
    {
        var source = new StatusSource();
        source.MarkDraining();
        source.MarkListening();
        Assert.False(source.Ready);
        Assert.False(source.Listening);
    }

    [Fact]
    public void A_cluster_member_that_is_not_up_is_not_ready()
    {
        var up = false;
        var source = new StatusSource { ClusterMemberUp = () => up };
        source.MarkListening();
        Assert.False(source.Ready);
        up = true;
        Assert.True(source.Ready);
    }

    [Fact]
    public async Task The_report_has_the_contracts_property_names_and_cluster_null_when_not_clustered()
    {
        var source = new StatusSource { LiveConnections = () => Task.FromResult<int?>(2) };
        source.MarkListening();
        var json = Encoding.UTF8.GetString(StatusSource.ToJson(await source.SnapshotAsync()));
        Assert.Equal("""{"listening":true,"draining":false,"live":2,"cluster":null}""", json);
    }

    [Fact]
    public async Task A_cluster_part_is_serialised_with_camel_case_names()
    {
        var source = new StatusSource
        {
            LiveConnections = () => Task.FromResult<int?>(2),
            Cluster = () => Task.FromResult<object?>(new ClusterPart("akka.tcp://actornet@10.0.0.1:4053", 5,
                [new Member("akka.tcp://actornet@10.0.0.1:4053", "Up", 2), new Member("akka.tcp://actornet@10.0.0.2:4053", "Up", 3)])),
        };
        source.MarkListening();
        var json = Encoding.UTF8.GetString(StatusSource.ToJson(await source.SnapshotAsync()));
        Assert.Equal("""
            {"listening":true,"draining":false,"live":2,"cluster":{"self":"akka.tcp://actornet@10.0.0.1:4053","live":5,"members":[
            {"address":"akka.tcp://actornet@10.0.0.1:4053","status":"Up","live":2},{"address":"akka.tcp://actornet@10.0.0.2:4053","status":"Up","live":3}]}}
            """.Replace("\n", ""), json);
    }

    [Fact]
    public async Task The_endpoint_answers_503_on_readyz_until_listening_and_again_from_the_drain_on()
    {
        var source = new StatusSource();
        var port = FreePort();
        await using var endpoint = await StatusEndpoint.StartAsync(new StatusOptions { Port = port }, source)
            ?? throw new InvalidOperationException("the endpoint did not start");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        source.MarkListening();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
        source.MarkDraining();
        var draining = await http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, draining.StatusCode);
        Assert.Equal("draining\n", await draining.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Status_answers_503_with_live_null_when_the_count_is_not_had_in_time_and_serves_the_cluster_part()
    {
        var source = new StatusSource
        {
            LiveConnections = () => Task.FromResult<int?>(null),
            Cluster = () => Task.FromResult<object?>(new { Self = "node-a", Live = 0, Members = Array.Empty<object>() }),
        };
        var port = FreePort();
        await using var endpoint = await StatusEndpoint.StartAsync(new StatusOptions { Port = port }, source)
            ?? throw new InvalidOperationException("the endpoint did not start");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };

        var response = await http.GetAsync("/status");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"listening":false,"draining":false,"live":null,"cluster":{"self":"node-a","live":0,"members":[]}}""",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Stopping_twice_is_harmless_and_the_port_is_closed_after()
    {
        var port = FreePort();
        var endpoint = await StatusEndpoint.StartAsync(new StatusOptions { Port = port }, new StatusSource())
            ?? throw new InvalidOperationException("the endpoint did not start");
        await endpoint.DisposeAsync();
        await endpoint.DisposeAsync();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var error = Assert.Throws<SocketException>(() => socket.Connect(IPAddress.Loopback, port));
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
    }

    [Fact]
    public async Task A_port_in_use_is_reported_as_null_not_thrown()
    {
        var occupier = new TcpListener(IPAddress.Loopback, 0);
        occupier.Start();
        try
        {
            var port = ((IPEndPoint)occupier.LocalEndpoint).Port;
            Assert.Null(await StatusEndpoint.StartAsync(new StatusOptions { Port = port }, new StatusSource()));
        }
        finally
        {
            occupier.Stop();
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
