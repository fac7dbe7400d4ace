using System.Runtime.CompilerServices;
using Akka.Hosting;

namespace ActorNet.Hosting;

/// <summary>The server names already added to one <see cref="AkkaConfigurationBuilder"/>: each must be unique in its ActorSystem.</summary>
internal sealed class HostedServerNames
{
    private static readonly ConditionalWeakTable<AkkaConfigurationBuilder, HostedServerNames> ByBuilder = new();

    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public static HostedServerNames Of(AkkaConfigurationBuilder builder) => ByBuilder.GetValue(builder, _ => new HostedServerNames());

    /// <summary>False when <paramref name="name"/> was already added.</summary>
    public bool TryAdd(string name)
    {
        lock (_names) return _names.Add(name);
    }
}
