using System.Text;
using ActorNet.Framing;
using ActorNet.Handlers;

namespace HandlerTests;

/// <summary>A line protocol: answers each line in upper case, and QUIT with BYE and the end of the connection.</summary>
public sealed class Shout : IConnectionHandler
{
    private readonly LineFramer _lines = new(maxLineLength: 80);

    /// <inheritdoc />
    public void OnData(ISocket socket, ReadOnlySpan<byte> data)
    {
        var error = _lines.Feed(data, line =>
        {
            var text = Encoding.UTF8.GetString(line);  // a whole line: no UTF-8 character is cut in two
            if (text == "QUIT")
            {
                socket.Write("BYE\n"u8);
                socket.End();
            }
            else socket.Write(Encoding.UTF8.GetBytes(text.ToUpperInvariant() + "\n"));
        });
        if (error is not null) socket.Destroy(error);  // a line over 80 bytes: ERR_FRAME_TOO_LONG
    }
}
