using Xunit;

namespace ActorNet.Tests.Support;

/// <summary>
/// Tests that measure time (idle timeouts against activity gaps) run alone, after the parallel ones: on 2 cores a
/// neighbour streaming 64 MiB or starting 200 clients can hold up a read for longer than such a test's slack.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "timing";
}
