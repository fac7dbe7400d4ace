using System.Runtime.InteropServices;
using ActorNet.Options;
using ActorNet.Server;
using Akka.Actor;
using Akka.Configuration;
using ClusterChat;

// ClusterChat CLIENT_PORT NODE_PORT SEED_PORT: a chat room on 127.0.0.1:CLIENT_PORT, a cluster node on
// 127.0.0.1:NODE_PORT that joins the node on SEED_PORT (its own port for the first node).
if (args.Length != 3) return Usage();
var (clientPort, nodePort, seedPort) = (int.Parse(args[0]), int.Parse(args[1]), int.Parse(args[2]));
var config = ConfigurationFactory.ParseString($$"""
    akka.actor.provider = cluster
    akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = {{nodePort}} }
    akka.cluster.seed-nodes = ["akka.tcp://chat@127.0.0.1:{{seedPort}}"]
    # The drain comes before leaving the cluster; give it drain-timeout + drain-grace and more.
    akka.coordinated-shutdown.phases.service-requests-done.timeout = 40s
    akka.loglevel = WARNING
    actornet.server { host = "127.0.0.1", port = {{clientPort}} }
    """);
var system = ActorSystem.Create("chat", config);   // the same name on every node
var options = ServerOptionsReader.Read(system.Settings.Config);
var server = await ActorNetServer.StartAsync(system, options, () => new Room(system));
server.CloseOnCoordinatedShutdown();               // SIGTERM: stop accepting, drain, then leave
Console.WriteLine($"listening on {server.EndPoint}");

void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    Console.WriteLine("draining");
    _ = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
await system.WhenTerminated;
Console.WriteLine("left the cluster");
return 0;

static int Usage()
{
    Console.Error.WriteLine("usage: ClusterChat CLIENT_PORT NODE_PORT SEED_PORT");
    return 2;
}
