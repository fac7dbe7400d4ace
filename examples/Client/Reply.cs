using System.Text;
using ActorNet.Handlers;

/// <summary>Collects what a connection receives; <see cref="Text"/> completes once the connection has closed.</summary>
sealed class Reply : IConnectionHandler
{
    private readonly MemoryStream _received = new();
    private readonly TaskCompletionSource<string> _text = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<string> Text => _text.Task;

    public void OnData(ISocket socket, ReadOnlySpan<byte> data) => _received.Write(data);

    public void OnClose(ISocket socket, bool hadError) => _text.TrySetResult(Encoding.UTF8.GetString(_received.ToArray()));
}
