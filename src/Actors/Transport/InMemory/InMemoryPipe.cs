using System.Net.Sockets;

namespace ActorNet.Transport.InMemory;

/// <summary>
/// Both directions of one in-memory connection under one lock: a bounded buffer per direction (the
/// "kernel buffer", so back-pressure is real), FIN per direction, and reset.
/// </summary>
internal sealed class InMemoryPipe(int capacity)
{
    public readonly object Gate = new();
    public readonly Direction[] Directions = [new(capacity), new(capacity)];

    /// <summary>Bytes flowing from one end (index = sender) to the other.</summary>
    internal sealed class Direction(int capacity)
    {
        private readonly byte[] _ring = new byte[capacity];
        private int _start;

        public int Count { get; private set; }

        public bool Fin { get; set; }

        public int Free => _ring.Length - Count;

        public int Write(ReadOnlySpan<byte> data)
        {
            var n = Math.Min(Free, data.Length);
            for (var i = 0; i < n; i++) _ring[(_start + Count + i) % _ring.Length] = data[i];
            Count += n;
            return n;
        }

        public int Read(Span<byte> buffer)
        {
            var n = Math.Min(Count, buffer.Length);
            for (var i = 0; i < n; i++) buffer[i] = _ring[(_start + i) % _ring.Length];
            _start = (_start + n) % _ring.Length;
            Count -= n;
            return n;
        }
    }

    public SocketError ResetError { get; set; } = SocketError.Success;
}
