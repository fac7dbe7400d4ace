using System.Net;

namespace ActorNet.Transport.Proxy;

/// <summary>
/// A parsed PROXY protocol header. <paramref name="Source"/> is null when the header says to keep the real peer
/// (v1 <c>UNKNOWN</c>, v2 <c>LOCAL</c>, v2 <c>UNSPEC</c> or <c>AF_UNIX</c>).
/// </summary>
/// <param name="Version">1 (text) or 2 (binary).</param>
/// <param name="Length">Bytes the header took on the wire; what follows belongs to the handler.</param>
/// <param name="Source">The client as the proxy saw it.</param>
/// <param name="Destination">The address the client connected to at the proxy.</param>
internal sealed record ProxyHeader(int Version, int Length, IPEndPoint? Source, IPEndPoint? Destination);
