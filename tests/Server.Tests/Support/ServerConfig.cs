using System.Text;

namespace ActorNet.Tests.Support;

/// <summary>
/// The contract's config block (docs/contract.md, "Config file"): every key, with the values of the
/// contract's example as defaults. Values are raw HOCON text; <see cref="With"/> replaces one
/// (dotted keys such as <c>keep-alive.idle</c> work) or adds an unknown one.
/// </summary>
internal sealed class ServerConfig
{
    private readonly List<KeyValuePair<string, string>> _values;

    private ServerConfig(List<KeyValuePair<string, string>> values) => _values = values;

    /// <summary>The contract's example block, except the port (the test chooses it).</summary>
    public static ServerConfig Default => new(
    [
        new("host", "\"127.0.0.1\""),
        new("backlog", "511"),
        new("handler", "echo"),
        new("allow-half-open", "off"),
        new("pause-on-connect", "off"),
        new("max-connections", "0"),
        new("idle-timeout", "0s"),
        new("keep-alive.enabled", "off"),
        new("keep-alive.idle", "7s"),
        new("no-delay", "on"),
        new("drain-timeout", "30s"),
    ]);

    /// <summary>A copy with <paramref name="key"/> set to the raw HOCON <paramref name="value"/>.</summary>
    public ServerConfig With(string key, string value)
    {
        var copy = new List<KeyValuePair<string, string>>(_values);
        var i = copy.FindIndex(kv => kv.Key == key);
        if (i >= 0) copy[i] = new(key, value);
        else copy.Add(new(key, value));
        return new ServerConfig(copy);
    }

    public ServerConfig Handler(string name) => With("handler", name);

    public ServerConfig AllowHalfOpen(bool on) => With("allow-half-open", on ? "on" : "off");

    public ServerConfig PauseOnConnect(bool on) => With("pause-on-connect", on ? "on" : "off");

    public ServerConfig MaxConnections(int n) => With("max-connections", n.ToString());

    public ServerConfig IdleTimeout(string duration) => With("idle-timeout", duration);

    public ServerConfig KeepAlive(bool enabled, string idle) => With("keep-alive.enabled", enabled ? "on" : "off").With("keep-alive.idle", idle);

    public ServerConfig DrainTimeout(string duration) => With("drain-timeout", duration);

    /// <summary>The file text: every key of the contract's block (port included, unless a value for "port" was given).</summary>
    public string ToHocon(int port)
    {
        var text = new StringBuilder("actornet.server {\n");
        if (_values.All(kv => kv.Key != "port")) text.Append("  port = ").Append(port).Append('\n');
        var keepAlive = _values.Where(kv => kv.Key.StartsWith("keep-alive.", StringComparison.Ordinal)).ToList();
        foreach (var (key, value) in _values)
        {
            if (key.StartsWith("keep-alive.", StringComparison.Ordinal)) continue;
            text.Append("  ").Append(key).Append(" = ").Append(value).Append('\n');
        }
        text.Append("  keep-alive {\n");
        foreach (var (key, value) in keepAlive)
            text.Append("    ").Append(key["keep-alive.".Length..]).Append(" = ").Append(value).Append('\n');
        text.Append("  }\n}\n");
        return text.ToString();
    }
}
