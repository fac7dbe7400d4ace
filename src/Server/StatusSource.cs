using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorNet.Server;

/// <summary>
/// What the status endpoint (<see cref="StatusEndpoint"/>) reports: the server's state as the executable sees it, and
/// delegates for what has to be asked for. It uses no ASP.NET type, so the executable makes one whether or not the
/// endpoint is on. The delegates are set before the endpoint starts and not changed after.
/// </summary>
internal sealed class StatusSource
{
    private const int Starting = 0;
    private const int ListeningState = 1;
    private const int DrainingState = 2;

    // Serialises the whole report, the cluster part included: camelCase turns a C# record's Members or Address into
    // the "members" and "address" the contract names.
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DictionaryKeyPolicy = JsonNamingPolicy.CamelCase,
    };

    private int _state = Starting;

    /// <summary>
    /// This node's live connection count, or null when it could not be had in time (then <c>/status</c> answers 503).
    /// Defaults to 0; the executable asks the server actor (<c>ServerProtocol.GetConnectionCount</c>).
    /// </summary>
    public Func<Task<int?>> LiveConnections { get; set; } = () => Task.FromResult<int?>(0);

    /// <summary>
    /// The <c>cluster</c> part of <c>/status</c>: null when this node is not clustered (the default), otherwise an
    /// object that System.Text.Json serialises, property names in camelCase, e.g. a record with
    /// <c>Self</c>, <c>Live</c> and <c>Members</c> (each with <c>Address</c>, <c>Status</c>, <c>Live</c>) for
    /// <c>{"self": "...", "live": 5, "members": [{"address": "...", "status": "Up", "live": 2}]}</c>.
    /// </summary>
    public Func<Task<object?>> Cluster { get; set; } = () => Task.FromResult<object?>(null);

    /// <summary>
    /// The <c>servers</c> part of <c>/status</c>, one entry per server by name; null (the default) leaves it out.
    /// The executable always sets it.
    /// </summary>
    public Func<Task<object?>> Servers { get; set; } = () => Task.FromResult<object?>(null);

    /// <summary>Whether this node is an <c>Up</c> cluster member; <c>/readyz</c> needs it. Defaults to true (not clustered).</summary>
    public Func<bool> ClusterMemberUp { get; set; } = () => true;

    /// <summary>True from the server's Listening reply until the drain or close starts.</summary>
    public bool Listening => Volatile.Read(ref _state) == ListeningState;

    /// <summary>True from the start of the drain (the first SIGINT/SIGTERM, or any other coordinated shutdown) on.</summary>
    public bool Draining => Volatile.Read(ref _state) == DrainingState;

    /// <summary>What <c>/readyz</c> answers: listening, not draining, and (in a cluster) an Up member.</summary>
    public bool Ready => Listening && ClusterMemberUp();

    /// <summary>The server replied Listening. Ignored once the drain started: a drain is never undone.</summary>
    public void MarkListening() => Interlocked.CompareExchange(ref _state, ListeningState, Starting);

    /// <summary>The drain starts: not ready and not listening any more, at once. Safe to call more than once.</summary>
    public void MarkDraining() => Volatile.Write(ref _state, DrainingState);

    /// <summary>The report <c>/status</c> serves, with the live count and the cluster part asked for now.</summary>
    public async Task<StatusReport> SnapshotAsync()
    {
        var live = LiveConnections();
        var cluster = Cluster();
        var servers = Servers();
        // The flags are read after the asks, so a drain that started meanwhile is shown.
        var (liveCount, clusterPart, serversPart) = (await live, await cluster, await servers);
        return new StatusReport(Listening, Draining, liveCount, clusterPart, serversPart);
    }

    /// <summary><paramref name="report"/> as UTF-8 JSON with the contract's property names.</summary>
    public static byte[] ToJson(StatusReport report) => JsonSerializer.SerializeToUtf8Bytes(report, JsonOptions);
}

/// <summary>The body of <c>/status</c>: <c>{"listening": true, "draining": false, "live": 2, "cluster": null}</c>.</summary>
/// <param name="Listening">Between the server's Listening reply and the start of the drain or close.</param>
/// <param name="Draining">From the start of the drain on.</param>
/// <param name="Live">This node's live connections; null when the server did not answer in time.</param>
/// <param name="Cluster">The cluster part (<see cref="StatusSource.Cluster"/>), null when not clustered.</param>
/// <param name="Servers">Each server by name (<see cref="StatusSource.Servers"/>); left out when null.</param>
internal sealed record StatusReport(
    [property: JsonPropertyName("listening")] bool Listening,
    [property: JsonPropertyName("draining")] bool Draining,
    [property: JsonPropertyName("live")] int? Live,
    [property: JsonPropertyName("cluster")] object? Cluster,
    [property: JsonPropertyName("servers"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object? Servers = null);
