using System.Net;
using ActorNet;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Server;
using ActorNet.Transport;
using Akka.Actor;

var system = ActorSystem.Create("client", "akka.loglevel = WARNING");
// Something to talk to: the built-in echo, on a free loopback port.
var server = await ActorNetServer.StartAsync(system, new ServerOptions { Host = "127.0.0.1", Port = 0 });
Console.WriteLine($"echo server on {server.EndPoint}");
var options = new ConnectOptions { Host = "127.0.0.1", Port = ((IPEndPoint)server.EndPoint).Port, ConnectTimeout = TimeSpan.FromSeconds(5) };

// From async code: completes once connected, or throws NetException (e.Error.Code == "ECONNREFUSED", ...).
var reply = new Reply();                                       // a handler: collects what comes back
IActorRef socket = await Net.ConnectAsync(system, options, reply);
socket.Tell(new SocketProtocol.Write("hello"u8.ToArray()));
socket.Tell(SocketProtocol.End.Instance);                      // FIN: echo ends too, after echoing
Console.WriteLine($"echoed: {await reply.Text}");

// From an actor: the events arrive as SocketProtocol messages.
var greeter = system.ActorOf(Props.Create(() => new Greeter(options)));
await greeter.WatchAsync();                                    // it stops once its socket has closed

// Nobody listens any more: the connect fails with Node's error code.
await server.CloseAsync();
try
{
    await Net.ConnectAsync(system, options, new Reply());
}
catch (NetException e)
{
    Console.WriteLine($"after close: {e.Error.Code}");         // ECONNREFUSED
}
await system.Terminate();
