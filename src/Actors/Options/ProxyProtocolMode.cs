namespace ActorNet.Options;

/// <summary>
/// Whether accepted connections start with a PROXY protocol header (v1 text or v2 binary, as HAProxy, AWS NLB and
/// nginx's stream module send it), which then names the client instead of the proxy (<c>actornet.server.proxy-protocol</c>).
/// </summary>
public enum ProxyProtocolMode
{
    /// <summary>No header is read: the bytes go to the handler as they come. The default.</summary>
    Off,

    /// <summary>
    /// Every connection must start with a header; one without a valid header within the header timeout is reset and
    /// never reaches the handler. Use it only behind a proxy that sends one: anybody who can connect directly can claim
    /// any address.
    /// </summary>
    On,

    /// <summary>
    /// A connection that starts with a header uses it; one that starts with anything else is served as plain TCP, its
    /// bytes untouched. A connection that sends nothing is served as plain once the header timeout has passed.
    /// </summary>
    Optional,
}
