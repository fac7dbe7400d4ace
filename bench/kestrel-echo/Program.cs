// Kestrel echo for bench/run: a ConnectionHandler that copies each connection's input pipe to its
// output pipe (no HTTP). usage: kestrel-echo PORT [CERT.pem KEY.pem]; with a certificate and key the
// connections speak TLS first (ListenOptions.UseHttps), as in `bench/run --tls`. Loopback only, no
// logging; SIGTERM stops it, and like the kit's node-echo.js it ends by itself after ECHO_MAX_SECONDS
// (default 3600).
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;

if (args.Length is not (1 or 3) || !int.TryParse(args[0], out var port) || port is < 1 or > 65535)
{
    Console.Error.WriteLine("usage: kestrel-echo PORT [CERT.pem KEY.pem]");
    return 2;
}
var certificate = args.Length == 3 ? X509Certificate2.CreateFromPemFile(args[1], args[2]) : null;
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
// Explicit endpoints replace Kestrel's default URL (localhost:5000), so this is the only listener.
builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l =>
{
    if (certificate is not null) l.UseHttps(certificate);
    l.UseConnectionHandler<EchoHandler>();
}));
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
var app = builder.Build();
var maxSeconds = int.TryParse(Environment.GetEnvironmentVariable("ECHO_MAX_SECONDS"), out var s) && s > 0 ? s : 3600;
_ = Task.Delay(TimeSpan.FromSeconds(maxSeconds)).ContinueWith(_ => app.Lifetime.StopApplication());
await app.RunAsync();
return 0;

sealed class EchoHandler : ConnectionHandler
{
    // PipeReader.CopyToAsync writes and flushes every buffer it reads, until the peer's FIN.
    public override Task OnConnectedAsync(ConnectionContext connection) =>
        connection.Transport.Input.CopyToAsync(connection.Transport.Output);
}
