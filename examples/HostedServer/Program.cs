using ActorNet.Handlers;
using ActorNet.Hosting;
using ActorNet.Options;
using ActorNet.Transport;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// The port is the first argument: 7000 by default, 0 picks a free one.
var port = args.Length > 0 ? int.Parse(args[0]) : 7000;
#region host
var builder = Host.CreateApplicationBuilder();
builder.Services.AddAkka("app", akka => akka.WithActorNetServer("echo",
    new ServerOptions { Host = "127.0.0.1", Port = port, DrainTimeout = TimeSpan.FromSeconds(60) },
    () => new EchoHandler()));                 // raises HostOptions.ShutdownTimeout to cover the 60 s drain
#endregion
using var host = builder.Build();
try
{
    await host.StartAsync();                   // returns once the server listens
}
catch (NetException e)                         // Node's error, e.g. EADDRINUSE
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
var server = ActorNetServers.Get(host.Services.GetRequiredService<ActorSystem>())["echo"];
Console.WriteLine($"listening on {server.EndPoint}");

// Ctrl-C or SIGTERM stops the host: the server stops accepting, drains, and the program exits 0.
host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => Console.WriteLine("draining"));
await host.WaitForShutdownAsync();
return 0;
