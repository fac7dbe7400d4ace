using ActorNet.Protocol;

namespace ActorNet.Framing;

/// <summary>Receives one complete frame; the span is valid only during the call.</summary>
public delegate void FrameHandler(ReadOnlySpan<byte> frame);

/// <summary>
/// Splits a byte stream into lines ending in <c>\n</c> (a preceding <c>\r</c> is dropped too), for any handler on
/// any transport. A line longer than the limit is an error, never unbounded memory.
/// </summary>
public sealed class LineFramer
{
    private readonly int _maxLineLength;
    private readonly FrameBuffer _partial = new();
    private bool _failed;

    /// <summary>A framer for lines of at most <paramref name="maxLineLength"/> bytes, delimiter excluded.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLineLength"/> is below 1.</exception>
    public LineFramer(int maxLineLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineLength, 1);
        _maxLineLength = maxLineLength;
    }

    /// <summary>Bytes of an unfinished line held for the next call.</summary>
    public int Buffered => _partial.Length;

    /// <summary>
    /// Feeds received bytes; calls <paramref name="onLine"/> for each complete line, without its delimiter.
    /// Returns null, or the error once a line passes the limit (the framer then refuses further input).
    /// </summary>
    public NetError? Feed(ReadOnlySpan<byte> data, FrameHandler onLine)
    {
        if (_failed) return TooLong();
        while (!data.IsEmpty)
        {
            var newline = data.IndexOf((byte)'\n');
            if (newline < 0)
            {
                if (_partial.Length + data.Length > _maxLineLength + 1) return Fail(); // +1: a '\r' may still come
                _partial.Append(data);
                return null;
            }
            var piece = data[..newline];
            data = data[(newline + 1)..];
            if (_partial.Length == 0) Emit(piece, onLine);
            else
            {
                _partial.Append(piece);
                var line = _partial.Span;
                if (line.Length > _maxLineLength + 1) return Fail();
                Emit(line, onLine);
                _partial.Clear();
            }
            if (_failed) return TooLong();
        }
        return null;
    }

    private void Emit(ReadOnlySpan<byte> line, FrameHandler onLine)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r') line = line[..^1];
        if (line.Length > _maxLineLength)
        {
            Fail();
            return;
        }
        onLine(line);
    }

    private NetError Fail()
    {
        _failed = true;
        _partial.Clear();
        return TooLong();
    }

    private NetError TooLong() =>
        new("ERR_FRAME_TOO_LONG", "read", $"line longer than the limit of {_maxLineLength} bytes");
}
