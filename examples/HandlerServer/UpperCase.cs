using ActorNet.Handlers;

/// <summary>Writes back what it reads with a-z upper-cased; other bytes (UTF-8 such as "€") as they are.</summary>
sealed class UpperCase : IConnectionHandler
{
    public void OnData(ISocket socket, ReadOnlySpan<byte> data)   // valid only during the call
    {
        var upper = new byte[data.Length];
        for (var i = 0; i < data.Length; i++)                      // UTF-8 multi-byte characters are all >= 0x80
            upper[i] = data[i] is >= (byte)'a' and <= (byte)'z' ? (byte)(data[i] - 'a' + 'A') : data[i];
        if (!socket.Write(upper)) socket.Pause();                  // above the high-water mark: wait for OnDrain
    }

    public void OnDrain(ISocket socket) => socket.Resume();

    public void OnEnd(ISocket socket) => socket.End();

    public void OnTimeout(ISocket socket) => socket.End();
}
