using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ActorNet.Diagnostics;
using ActorNet.Protocol;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

public sealed class MetricsTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public void Accepted_active_and_dropped_connections_are_measured()
    {
        var seen = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ActorNetMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => seen.AddOrUpdate(instrument.Name, value, (_, v) => v + value));
        listener.Start();

        var (server, endPoint) = Listen(Loopback0 with { MaxConnections = 1 });
        using (var kept = Loopback.Connect(endPoint))
        {
            AwaitLiveCount(server, 1);
            using var extra = Loopback.Connect(endPoint);
            ExpectMsg<ServerProtocol.ConnectionDropped>();
        }
        AwaitLiveCount(server, 0);
        Assert.True(seen.GetValueOrDefault("actornet.connections.accepted") >= 1);
        Assert.True(seen.GetValueOrDefault("actornet.connections.dropped") >= 1);
        Assert.True(seen.ContainsKey("actornet.connections.active"));
    }
}
