using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorNet;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Server;
using ActorNet.Transport;
using Akka.Actor;

// A certificate for the demo, made here; a real server loads its own (X509Certificate2.CreateFromPemFile, or
// actornet.server.tls in HOCON, which ServerOptionsReader loads and checks).
using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
var names = new SubjectAlternativeNameBuilder();
names.AddDnsName("localhost");
request.CertificateExtensions.Add(names.Build());
using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));

var system = ActorSystem.Create("tls", "akka.loglevel = WARNING");

// The server: the built-in echo over TLS 1.2/1.3; handlers see plaintext.
#region tls
var server = await ActorNetServer.StartAsync(system, new ServerOptions
{
    Host = "127.0.0.1",
    Port = 0,
    Tls = new TlsServerOptions { Certificate = certificate, HandshakeTimeout = TimeSpan.FromSeconds(5) },
});
Console.WriteLine($"TLS echo on {server.EndPoint}");
#endregion

// The client: validates the server's certificate for "localhost" against the CA given (here the certificate itself).
var options = new ConnectOptions
{
    Host = "127.0.0.1",
    Port = ((IPEndPoint)server.EndPoint).Port,
    Tls = new TlsClientOptions { ServerName = "localhost", CertificateAuthorities = [certificate] },
};
var reply = new Reply();
IActorRef socket = await Net.ConnectAsync(system, options, reply);   // after the handshake
socket.Tell(new SocketProtocol.Write("hello over TLS"u8.ToArray()));
socket.Tell(SocketProtocol.End.Instance);                              // close_notify, then FIN
Console.WriteLine($"echoed: {await reply.Text}");

// A client that does not trust the certificate fails with Node's code.
try
{
    await Net.ConnectAsync(system, options with { Tls = new TlsClientOptions { ServerName = "localhost" } }, new Reply());
}
catch (NetException e)
{
    Console.WriteLine($"untrusted: {e.Error.Code}");                  // DEPTH_ZERO_SELF_SIGNED_CERT
}
await server.CloseAsync();
await system.Terminate();
