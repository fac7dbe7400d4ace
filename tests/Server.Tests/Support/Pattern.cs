using System.Buffers.Binary;

namespace ActorNet.Tests.Support;

/// <summary>
/// A deterministic pseudo-random byte stream (splitmix64 of each 8-byte word's index and a seed), so that a
/// lost, duplicated or reordered chunk anywhere in a long transfer is caught without keeping the stream in memory.
/// </summary>
internal sealed class Pattern(ulong seed)
{
    public byte[] Bytes(long offset, int count)
    {
        var result = new byte[count];
        Fill(offset, result);
        return result;
    }

    public void Fill(long offset, Span<byte> destination)
    {
        Span<byte> word = stackalloc byte[8];
        for (var i = 0; i < destination.Length;)
        {
            var position = offset + i;
            var index = (ulong)(position >> 3);
            BinaryPrimitives.WriteUInt64LittleEndian(word, Mix(index ^ seed));
            var from = (int)(position & 7);
            var n = Math.Min(8 - from, destination.Length - i);
            word.Slice(from, n).CopyTo(destination[i..]);
            i += n;
        }
    }

    /// <summary>Checks received data against the stream as it arrives.</summary>
    public sealed class Checker(Pattern pattern)
    {
        private byte[] _expected = [];

        public long Offset { get; private set; }

        /// <summary>The stream offset of the first byte that did not match, if any.</summary>
        public long? FirstMismatch { get; private set; }

        public void Check(ReadOnlySpan<byte> data)
        {
            if (FirstMismatch is null)
            {
                if (_expected.Length < data.Length) _expected = new byte[data.Length];
                var expected = _expected.AsSpan(0, data.Length);
                pattern.Fill(Offset, expected);
                var diff = data.CommonPrefixLength(expected);
                if (diff < data.Length) FirstMismatch = Offset + diff;
            }
            Offset += data.Length;
        }
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
