using System.Net.Sockets;

namespace ActorNet.Transport;

/// <summary>
/// The outcome of one <see cref="ITransportConnection.TryReceive"/>: bytes read (0 with <see cref="SocketError.Success"/>
/// is the peer's FIN), or an error (<see cref="SocketError.WouldBlock"/> when nothing is ready).
/// </summary>
/// <param name="Bytes">Bytes copied into the buffer.</param>
/// <param name="Error">Success, WouldBlock, or the failure.</param>
/// <param name="Drained">
/// The transport's one rule for "the connection is empty now": the owner waits for
/// <see cref="Protocol.TransportSignal.Readable"/> instead of reading again (a read that would only find nothing costs a
/// system call). False when more may be waiting, e.g. a read that filled the whole buffer.
/// </param>
public readonly record struct ReadResult(int Bytes, SocketError Error, bool Drained)
{
    /// <summary>Nothing to read now.</summary>
    public static ReadResult WouldBlock => new(0, SocketError.WouldBlock, true);

    /// <summary>The peer's FIN: every byte before it was read.</summary>
    public static ReadResult EndOfStream => new(0, SocketError.Success, true);

    /// <summary><paramref name="bytes"/> read into a buffer of <paramref name="bufferLength"/>: a short read drained the connection.</summary>
    public static ReadResult Data(int bytes, int bufferLength) => new(bytes, SocketError.Success, bytes < bufferLength);

    /// <summary>The read failed.</summary>
    public static ReadResult Failure(SocketError error) => new(0, error, true);

    /// <summary>The result of a non-blocking receive(2) that returned <paramref name="bytes"/> and <paramref name="error"/>.</summary>
    public static ReadResult From(int bytes, SocketError error, int bufferLength) => error switch
    {
        SocketError.Success when bytes == 0 => EndOfStream,
        SocketError.Success => Data(bytes, bufferLength),
        _ => Failure(error),
    };
}
