using System.Buffers.Binary;
using System.Text;
using ActorNet.Framing;
using Xunit;

namespace ActorNet.Tests.Framing;

public sealed class FramerTests
{
    private static readonly byte[] Lines = "alpha\nbe\r\n\ngamma-delta\n"u8.ToArray();
    private static readonly string[] ExpectedLines = ["alpha", "be", "", "gamma-delta"];

    private static List<string> FeedLines(LineFramer framer, params byte[][] pieces)
    {
        var lines = new List<string>();
        foreach (var piece in pieces)
            Assert.Null(framer.Feed(piece, line => lines.Add(Encoding.ASCII.GetString(line))));
        return lines;
    }

    [Fact]
    public void Lines_split_at_every_byte_boundary_come_out_whole()
    {
        for (var cut = 0; cut <= Lines.Length; cut++)
        {
            var framer = new LineFramer(64);
            Assert.Equal(ExpectedLines, FeedLines(framer, Lines[..cut], Lines[cut..]));
            Assert.Equal(0, framer.Buffered);
        }
    }

    [Fact]
    public void Lines_fed_one_byte_at_a_time_come_out_whole()
    {
        var framer = new LineFramer(64);
        Assert.Equal(ExpectedLines, FeedLines(framer, Lines.Select(b => new[] { b }).ToArray()));
    }

    [Fact]
    public void A_line_at_the_limit_passes_and_one_byte_more_is_an_error()
    {
        Assert.Equal(["12345"], FeedLines(new LineFramer(5), "12345\r\n"u8.ToArray()));
        var framer = new LineFramer(5);
        var error = framer.Feed("123456\n"u8, _ => Assert.Fail("no line expected"));
        Assert.Equal("ERR_FRAME_TOO_LONG", error?.Code);
        // Split, the same line fails once buffering would pass the limit, without waiting for the newline.
        var split = new LineFramer(5);
        Assert.Null(split.Feed("1234"u8, _ => { }));
        Assert.Equal("ERR_FRAME_TOO_LONG", split.Feed("567"u8, _ => { })?.Code);
        Assert.Equal(0, split.Buffered);
        Assert.NotNull(split.Feed("\n"u8, _ => Assert.Fail("a failed framer takes no more input")));
    }

    private static byte[] Frames(int prefixBytes, params string[] payloads)
    {
        var stream = new MemoryStream();
        foreach (var payload in payloads)
        {
            var bytes = Encoding.ASCII.GetBytes(payload);
            var prefix = new byte[4];
            if (prefixBytes == 1) prefix[0] = (byte)bytes.Length;
            else if (prefixBytes == 2) BinaryPrimitives.WriteUInt16BigEndian(prefix, (ushort)bytes.Length);
            else BinaryPrimitives.WriteInt32BigEndian(prefix, bytes.Length);
            stream.Write(prefix, 0, prefixBytes);
            stream.Write(bytes);
        }
        return stream.ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Length_prefixed_frames_split_at_every_byte_boundary_come_out_whole(int prefixBytes)
    {
        string[] payloads = ["one", "", "three-three", new string('x', 200)];
        var stream = Frames(prefixBytes, payloads);
        for (var cut = 0; cut <= stream.Length; cut++)
        {
            for (var cut2 = cut; cut2 <= stream.Length; cut2 += 7)
            {
                var framer = new LengthPrefixFramer(prefixBytes, 255);
                var frames = new List<string>();
                foreach (var piece in new[] { stream[..cut], stream[cut..cut2], stream[cut2..] })
                    Assert.Null(framer.Feed(piece, f => frames.Add(Encoding.ASCII.GetString(f))));
                Assert.Equal(payloads, frames);
                Assert.Equal(0, framer.Buffered);
            }
        }
    }

    [Fact]
    public void A_frame_announced_above_the_limit_is_an_error_before_its_payload_is_buffered()
    {
        var framer = new LengthPrefixFramer(4, 1024);
        var prefix = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(prefix, 1025);
        Assert.Null(framer.Feed(prefix[..2], _ => { }));
        var error = framer.Feed(prefix[2..], _ => Assert.Fail("no frame expected"));
        Assert.Equal("ERR_FRAME_TOO_LARGE", error?.Code);
        Assert.Contains("1025", error!.Message);
        Assert.Equal(0, framer.Buffered);
    }

    [Fact]
    public void Bad_framer_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LengthPrefixFramer(3, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LengthPrefixFramer(1, 256));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LineFramer(0));
    }
}
