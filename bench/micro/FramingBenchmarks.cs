using System.Buffers.Binary;
using ActorNet.Framing;
using BenchmarkDotNet.Attributes;

namespace ActorNet.Bench.Micro;

/// <summary>
/// Splitting a 64 KiB stream of 64-byte frames (1024 frames) with the public framers, fed as a socket read
/// would deliver it: in chunks of <see cref="ChunkSize"/> bytes. One operation = the whole 64 KiB buffer.
/// With 1500-byte chunks most chunks end inside a frame, so the pooled <c>FrameBuffer</c> (partial frame)
/// path runs ~44 times per op; with 65536 only the zero-copy fast path runs.
/// </summary>
[MemoryDiagnoser]
public class FramingBenchmarks
{
    private const int BufferSize = 64 * 1024;
    private const int FrameSize = 64;
    private const int Frames = BufferSize / FrameSize;

    private byte[] _lines = null!;
    private byte[] _prefixed = null!;
    private LineFramer _lineFramer = null!;
    private LengthPrefixFramer _prefixFramer = null!;
    private FrameHandler _onFrame = null!;
    private long _frames;
    private long _bytes;

    /// <summary>Bytes per Feed call (a read's worth: 1500 ≈ one Ethernet MTU; 65536 = one big read).</summary>
    [Params(1500, 65536)]
    public int ChunkSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // Lines: 63 payload bytes + '\n'. Length-prefixed: 2-byte big-endian prefix + 62 payload bytes.
        _lines = new byte[BufferSize];
        _prefixed = new byte[BufferSize];
        for (var f = 0; f < Frames; f++)
        {
            var line = _lines.AsSpan(f * FrameSize, FrameSize);
            for (var i = 0; i < FrameSize - 1; i++) line[i] = (byte)('a' + (f + i) % 26);
            line[^1] = (byte)'\n';
            var frame = _prefixed.AsSpan(f * FrameSize, FrameSize);
            BinaryPrimitives.WriteUInt16BigEndian(frame, FrameSize - 2);
            for (var i = 2; i < FrameSize; i++) frame[i] = (byte)(f + i);
        }
        _lineFramer = new LineFramer(maxLineLength: 1024);
        _prefixFramer = new LengthPrefixFramer(prefixBytes: 2, maxFrameSize: 1024);
        // One delegate for all calls: a method group converted per call would allocate and be measured.
        _onFrame = frame =>
        {
            _frames++;
            _bytes += frame.Length;
        };
        Check(LineFramer64KiB(), _lineFramer.Buffered, FrameSize - 1);
        Check(LengthPrefixFramer64KiB(), _prefixFramer.Buffered, FrameSize - 2);
    }

    [Benchmark]
    public long LineFramer64KiB()
    {
        _frames = 0;
        var data = _lines.AsSpan();
        for (var offset = 0; offset < data.Length; offset += ChunkSize)
        {
            var error = _lineFramer.Feed(data.Slice(offset, Math.Min(ChunkSize, data.Length - offset)), _onFrame);
            if (error is not null) throw new InvalidOperationException(error.ToString());
        }
        return _frames;
    }

    [Benchmark]
    public long LengthPrefixFramer64KiB()
    {
        _frames = 0;
        var data = _prefixed.AsSpan();
        for (var offset = 0; offset < data.Length; offset += ChunkSize)
        {
            var error = _prefixFramer.Feed(data.Slice(offset, Math.Min(ChunkSize, data.Length - offset)), _onFrame);
            if (error is not null) throw new InvalidOperationException(error.ToString());
        }
        return _frames;
    }

    private void Check(long frames, int buffered, int payload)
    {
        // The buffer holds whole frames only: every run must end with nothing buffered and every frame seen.
        if (frames != Frames || buffered != 0 || _bytes != (long)Frames * payload)
            throw new InvalidOperationException($"framing check failed: {frames} frames, {_bytes} bytes, {buffered} buffered");
        _bytes = 0;
    }
}
