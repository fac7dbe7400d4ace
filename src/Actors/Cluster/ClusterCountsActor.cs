using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using ActorNet.Server;

namespace ActorNet.Cluster;

/// <summary>
/// Publishes this node's live connection count (<see cref="LiveConnections"/>) into a replicated dictionary, one
/// entry per member address, and answers <see cref="ClusterProtocol.GetCounts"/> from it. An entry goes when its
/// member is removed (every node removes it; removals are idempotent), and readers only show current members, so
/// a crashed node's connections never linger the way a counter's increments would.
/// </summary>
internal sealed class ClusterCountsActor : ReceiveActor, IWithTimers
{
    internal static readonly LWWDictionaryKey<string, int> Key = new("actornet-live");

    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private readonly LiveConnections _live = LiveConnections.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _self;
    private readonly TimeSpan _interval;
    private LWWDictionary<string, int> _latest = LWWDictionary<string, int>.Empty;
    private int _published = -1;
    private bool _wasMember;

    public ClusterCountsActor(TimeSpan interval)
    {
        _interval = interval;
        _self = _cluster.SelfAddress.ToString();
        Receive<Tick>(_ => PublishIfChanged());
        Receive<Changed>(c => c.Key.Equals(Key), c => _latest = c.Get(Key));
        Receive<ClusterEvent.MemberRemoved>(removed => Forget(removed.Member.Address.ToString()));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
        Receive<UpdateSuccess>(_ => { });
        Receive<IUpdateFailure>(failure => _log.Warning("Could not publish the live count: {Failure}", failure));
        Receive<ClusterProtocol.GetCounts>(_ => Sender.Tell(Snapshot()));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(TimeSpan interval) => Akka.Actor.Props.Create(() => new ClusterCountsActor(interval));

    protected override void PreStart()
    {
        _replicator.Tell(Dsl.Subscribe(Key, Self));
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.MemberRemoved));
        Timers.StartPeriodicTimer(nameof(Tick), Tick.Instance, TimeSpan.Zero, _interval);
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void PublishIfChanged()
    {
        var live = _live.Count;
        // Also when our entry is missing: a node that was briefly thought removed gets it back.
        if (live == _published && _latest.ContainsKey(_self)) return;
        _published = live;
        _replicator.Tell(Dsl.Update(Key, LWWDictionary<string, int>.Empty, WriteLocal.Instance,
            d => d.SetItem(_cluster, _self, live)));
    }

    private void Forget(string address)
    {
        if (address == _self) return;
        _replicator.Tell(Dsl.Update(Key, LWWDictionary<string, int>.Empty, WriteLocal.Instance,
            d => d.ContainsKey(address) ? d.Remove(_cluster, address) : d));
    }

    private ClusterProtocol.Counts Snapshot()
    {
        var state = _cluster.State;
        var unreachable = state.Unreachable;
        var members = new List<ClusterProtocol.MemberCount>();
        var selfListed = false;
        foreach (var member in state.Members)
        {
            var address = member.Address.ToString();
            var isSelf = address == _self;
            selfListed |= isSelf;
            // Our own count is read now rather than from the replica: it is the freshest there is.
            var live = isSelf ? _live.Count : _latest.TryGetValue(address, out var published) ? published : 0;
            members.Add(new ClusterProtocol.MemberCount(address, member.Status.ToString(), !unreachable.Contains(member), live));
        }
        // Before joining, the member list is empty and Akka calls this node Removed: it is trying to join, and
        // serves and counts meanwhile.
        _wasMember |= selfListed;
        if (!selfListed)
            members.Add(new ClusterProtocol.MemberCount(_self, _wasMember ? _cluster.SelfMember.Status.ToString() : "Joining", true, _live.Count));
        members.Sort(static (a, b) => string.CompareOrdinal(a.Address, b.Address));
        return new ClusterProtocol.Counts(_self, _cluster.SelfMember.Status == MemberStatus.Up, members.Sum(m => m.Live), members);
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
