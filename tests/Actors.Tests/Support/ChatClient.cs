using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorNet.Tests.Support;

/// <summary>A chat client: lines in and out over a real loopback socket (each read bounded by the receive timeout).</summary>
internal sealed class ChatClient : IDisposable
{
    private readonly byte[] _buffer = new byte[256 * 1024];
    private int _start;
    private int _end;

    public ChatClient(int port)
    {
        Socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 10_000, SendTimeout = 10_000 };
        Socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
    }

    public Socket Socket { get; }

    public void Send(string text) => Socket.Send(Encoding.UTF8.GetBytes(text));

    /// <summary>The next line without its "\n"; null at the server's FIN.</summary>
    public string? ReadLine()
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var line = Encoding.UTF8.GetString(_buffer, _start, newline - _start);
                _start = newline + 1;
                return line;
            }
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length) throw new InvalidDataException("line longer than the test's buffer");
            var n = Socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
            if (n == 0) return null;
            _end += n;
        }
    }

    /// <summary>Reads lines until <paramref name="line"/> (bounded by the receive timeout of each read).</summary>
    public void SkipThrough(string line)
    {
        string? next;
        while ((next = ReadLine()) != line)
            if (next is null) throw new EndOfStreamException($"FIN before \"{line}\"");
    }

    /// <summary>True when bytes are buffered or arrive within <paramref name="timeout"/>.</summary>
    public bool HasDataWithin(TimeSpan timeout) =>
        _end > _start || Socket.Poll((int)(timeout.TotalMilliseconds * 1000), SelectMode.SelectRead);

    public void Dispose() => Socket.Dispose();
}
