namespace ActorNet.Handlers;

/// <summary>
/// Handler names and the factories behind them: the one list <c>actornet.server.handler</c> is checked against
/// (<see cref="Options.ServerOptionsReader.Read"/>) and a server makes its handlers from
/// (<see cref="Server.ServerActor.Props(Options.ServerOptions, HandlerRegistry, Transport.ITransport?)"/>).
/// Immutable: <see cref="With"/> returns a new registry, so a host adds its own names without changing anyone else's.
/// </summary>
/// <example>
/// <code>
/// var handlers = HandlerRegistry.BuiltIn.With("chat", () => new ChatHandler());
/// var options = ServerOptionsReader.Read(config, handlers);
/// system.ActorOf(ServerActor.Props(options, handlers));
/// </code>
/// </example>
public sealed class HandlerRegistry
{
    private readonly KeyValuePair<string, Func<IConnectionHandler>>[] _entries;

    private HandlerRegistry(KeyValuePair<string, Func<IConnectionHandler>>[] entries)
    {
        _entries = entries;
        Names = Array.ConvertAll(entries, static e => e.Key);
    }

    /// <summary>No handlers at all.</summary>
    public static HandlerRegistry Empty { get; } = new([]);

    /// <summary>The handlers the library ships: echo (<see cref="EchoHandler"/>), discard (<see cref="DiscardHandler"/>), tally (<see cref="TallyHandler"/>).</summary>
    public static HandlerRegistry BuiltIn { get; } = Empty
        .With("echo", static () => new EchoHandler())
        .With("discard", static () => new DiscardHandler())
        .With("tally", static () => new TallyHandler());

    /// <summary>The registered names, in the order they were added.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>A registry with everything in this one and <paramref name="name"/>; this one is unchanged.</summary>
    /// <param name="name">Lower case, no surrounding spaces: the reader compares the configured value lower-cased and trimmed.</param>
    /// <param name="factory">Makes one handler per connection.</param>
    /// <exception cref="ArgumentException">The name is empty, not lower case, has surrounding spaces, or is taken.</exception>
    public HandlerRegistry With(string name, Func<IConnectionHandler> factory)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(factory);
        if (name.Length == 0 || name != name.Trim().ToLowerInvariant())
            throw new ArgumentException($"handler name \"{name}\" must be lower case and not empty, without surrounding spaces", nameof(name));
        if (Find(name) is not null)
            throw new ArgumentException($"handler \"{name}\" is already registered", nameof(name));
        return new HandlerRegistry([.. _entries, new(name, factory)]);
    }

    /// <summary>The factory registered as <paramref name="name"/>, or null when there is none.</summary>
    public Func<IConnectionHandler>? Find(string name)
    {
        foreach (var (key, factory) in _entries)
            if (string.Equals(key, name, StringComparison.Ordinal)) return factory;
        return null;
    }
}
