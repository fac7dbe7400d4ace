using ActorNet;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Protocol;
using Akka.Actor;

/// <summary>An actor with a client socket: sends a greeting, counts the echo, stops when the socket closes.</summary>
sealed class Greeter : ReceiveActor
{
    public Greeter(ConnectOptions options)
    {
        var socket = Net.Connect(Context, options, new ForwardingHandler(Self));
        socket.Tell(new SocketProtocol.Write("hello\n"u8.ToArray()));   // queued until connected
        socket.Tell(SocketProtocol.End.Instance);
        var received = 0;
        Receive<SocketProtocol.Data>(data => received += data.Bytes.Length);
        Receive<SocketProtocol.Closed>(_ =>
        {
            Console.WriteLine($"greeter: {received} bytes back");
            Context.Stop(Self);
        });
        ReceiveAny(_ => { });                                          // Connected, End, ...
    }
}
