using System.Net.Sockets;
using ActorNet.Transport;

namespace ActorNet.Protocol;

/// <summary>
/// What a transport tells the socket actor that owns a connection (<see cref="ITransportConnection.Attach"/>):
/// readiness, send completions, failures, and a client's connect result. Transports outside this assembly send these.
/// </summary>
public static class TransportSignal
{
    /// <summary>
    /// The connection may be read (data, EOF or an error waits): the answer to one <see cref="ITransportConnection.WaitReadable"/>.
    /// Carries no bytes; the socket actor reads them with <see cref="ITransportConnection.TryReceive"/>.
    /// </summary>
    public sealed record Readable
    {
        /// <summary>The single instance.</summary>
        public static Readable Instance { get; } = new();
    }

    /// <summary>An <see cref="ITransportConnection.SendAsync"/> finished; <paramref name="Bytes"/> reached the kernel.</summary>
    public sealed record Sent(int Bytes);

    /// <summary>A transport operation failed (<paramref name="Syscall"/> is Node's: <c>read</c>, <c>write</c>).</summary>
    public sealed record Failed(SocketError Error, string Syscall);

    /// <summary>A client connection is up (<see cref="ITransportConnector.Connect"/>); the socket actor attaches to it.</summary>
    public sealed record ConnectSucceeded(ITransportConnection Connection);

    /// <summary>A client connection could not be made (resolve, bind or connect failed, or timed out).</summary>
    public sealed record ConnectFailed(NetError Error);
}
