using System.Runtime.InteropServices;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Server;
using ActorNet.Transport;
using Akka.Actor;
using Akka.Configuration;

#region start
// The port is the first argument: 7000 by default, 0 picks a free one.
var port = args.Length > 0 ? int.Parse(args[0]) : 7000;
var config = ConfigurationFactory.ParseString($"actornet.server {{ host = \"127.0.0.1\", port = {port}, handler = upper }}");
var system = ActorSystem.Create("app", config);
var handlers = HandlerRegistry.BuiltIn.With("upper", () => new UpperCase());
var options = ServerOptionsReader.Read(system.Settings.Config, handlers);

ActorNetServer server;
try
{
    server = await ActorNetServer.StartAsync(system, options, handlers);
}
catch (NetException e)                         // Node's error, e.g. EADDRINUSE
{
    Console.Error.WriteLine(e.Message);
    await system.Terminate();
    return 1;
}
Console.WriteLine($"listening on {server.EndPoint}");
#endregion

// Ctrl-C or SIGTERM: refuse new connections, let the live ones finish; a second signal resets them.
var signals = 0;
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;                     // we exit ourselves, once drained
    if (Interlocked.Increment(ref signals) > 1) _ = server.ForceCloseAsync();
    else
    {
        Console.WriteLine("draining");
        _ = server.CloseAsync();
    }
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

await server.Completion;                       // done once the last connection has closed
await system.Terminate();
return 0;
