using System.Buffers;

namespace ActorNet.Framing;

/// <summary>The bytes of an incomplete frame, kept between reads in a pooled array; empty between frames.</summary>
internal sealed class FrameBuffer
{
    private byte[]? _bytes;

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Span => _bytes is null ? default : _bytes.AsSpan(0, Length);

    public void Append(ReadOnlySpan<byte> data)
    {
        var needed = Length + data.Length;
        if (_bytes is null || _bytes.Length < needed)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(needed, 256));
            Span.CopyTo(grown);
            if (_bytes is not null) ArrayPool<byte>.Shared.Return(_bytes);
            _bytes = grown;
        }
        data.CopyTo(_bytes.AsSpan(Length));
        Length = needed;
    }

    /// <summary>Forgets the content and gives the array back, so an idle connection holds nothing.</summary>
    public void Clear()
    {
        if (_bytes is not null) ArrayPool<byte>.Shared.Return(_bytes);
        _bytes = null;
        Length = 0;
    }
}
