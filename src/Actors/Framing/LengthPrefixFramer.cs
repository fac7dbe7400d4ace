using System.Buffers.Binary;
using ActorNet.Handlers;
using ActorNet.Protocol;

namespace ActorNet.Framing;

/// <summary>
/// Frames with a big-endian length prefix of 1, 2 or 4 bytes (the length counts the payload only).
/// A frame above the limit is an error before any of it is buffered.
/// </summary>
public sealed class LengthPrefixFramer
{
    private readonly int _prefixBytes;
    private readonly int _maxFrameSize;
    private readonly FrameBuffer _partial = new();
    private bool _failed;

    /// <summary>A framer with a <paramref name="prefixBytes"/>-byte prefix and payloads of at most <paramref name="maxFrameSize"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The prefix is not 1, 2 or 4 bytes, or the limit is below 0 or above what the prefix can say.</exception>
    public LengthPrefixFramer(int prefixBytes, int maxFrameSize)
    {
        if (prefixBytes is not (1 or 2 or 4))
            throw new ArgumentOutOfRangeException(nameof(prefixBytes), prefixBytes, "the prefix is 1, 2 or 4 bytes");
        long largest = prefixBytes == 4 ? int.MaxValue : (1L << (8 * prefixBytes)) - 1;
        if (maxFrameSize < 0 || maxFrameSize > largest)
            throw new ArgumentOutOfRangeException(nameof(maxFrameSize), maxFrameSize, $"must be 0..{largest} for a {prefixBytes}-byte prefix");
        _prefixBytes = prefixBytes;
        _maxFrameSize = maxFrameSize;
    }

    /// <summary>Bytes of an unfinished frame held for the next call.</summary>
    public int Buffered => _partial.Length;

    /// <summary>Feeds received bytes; calls <paramref name="onFrame"/> with each complete payload. Returns null or the error.</summary>
    public NetError? Feed(ReadOnlySpan<byte> data, FrameHandler onFrame)
    {
        if (_failed) return TooLarge(-1);
        while (!data.IsEmpty)
        {
            if (_partial.Length == 0 && data.Length >= _prefixBytes)
            {
                // Fast path: whole frames straight from the read buffer, no copy.
                var length = ReadLength(data);
                if (length > _maxFrameSize) return Fail(length);
                if (data.Length >= _prefixBytes + length)
                {
                    onFrame(data.Slice(_prefixBytes, (int)length));
                    data = data[(_prefixBytes + (int)length)..];
                    continue;
                }
                _partial.Append(data);
                return null;
            }
            // Complete the prefix, then the payload, from what is buffered.
            var wantPrefix = Math.Max(0, _prefixBytes - _partial.Length);
            if (wantPrefix > 0)
            {
                var take = Math.Min(wantPrefix, data.Length);
                _partial.Append(data[..take]);
                data = data[take..];
                if (_partial.Length < _prefixBytes) return null;
                var announced = ReadLength(_partial.Span);
                if (announced > _maxFrameSize) return Fail(announced);
            }
            var total = _prefixBytes + (int)ReadLength(_partial.Span);
            var missing = total - _partial.Length;
            var chunk = Math.Min(missing, data.Length);
            _partial.Append(data[..chunk]);
            data = data[chunk..];
            if (_partial.Length < total) return null;
            onFrame(_partial.Span[_prefixBytes..]);
            _partial.Clear();
        }
        return null;
    }

    /// <summary>Writes <paramref name="payload"/> with its prefix to <paramref name="socket"/>; false as <see cref="ISocket.Write"/>.</summary>
    /// <exception cref="ArgumentException">The payload is larger than the limit.</exception>
    public bool Write(ISocket socket, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > _maxFrameSize)
            throw new ArgumentException($"payload of {payload.Length} bytes is above the frame limit of {_maxFrameSize}", nameof(payload));
        Span<byte> prefix = stackalloc byte[4];
        switch (_prefixBytes)
        {
            case 1: prefix[0] = (byte)payload.Length; break;
            case 2: BinaryPrimitives.WriteUInt16BigEndian(prefix, (ushort)payload.Length); break;
            default: BinaryPrimitives.WriteInt32BigEndian(prefix, payload.Length); break;
        }
        socket.Write(prefix[.._prefixBytes]);
        return socket.Write(payload);
    }

    private long ReadLength(ReadOnlySpan<byte> bytes) => _prefixBytes switch
    {
        1 => bytes[0],
        2 => BinaryPrimitives.ReadUInt16BigEndian(bytes),
        _ => BinaryPrimitives.ReadUInt32BigEndian(bytes),
    };

    private NetError Fail(long length)
    {
        _failed = true;
        _partial.Clear();
        return TooLarge(length);
    }

    private NetError TooLarge(long length) => new("ERR_FRAME_TOO_LARGE", "read",
        length < 0 ? $"frame above the limit of {_maxFrameSize} bytes" : $"frame of {length} bytes is above the limit of {_maxFrameSize}");
}
