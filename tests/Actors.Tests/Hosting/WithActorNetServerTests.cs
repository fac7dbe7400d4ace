using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Hosting;
using ActorNet.Handlers;
using ActorNet.Hosting;
using ActorNet.Options;
using ActorNet.Server;
using ActorNet.Tests.Support;
using ActorNet.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit;
using GenericHostOptions = Microsoft.Extensions.Hosting.HostOptions;

namespace ActorNet.Tests.Hosting;

/// <summary>
/// Servers added with <c>WithActorNetServer</c> in a real generic host (<c>Host.CreateApplicationBuilder</c>), over loopback
/// sockets. Not Akka.Hosting.TestKit: 1.5.75 is built on xunit v3 (xunit.v3.extensibility.core 3.2.2), these tests on xunit 2.9.3.
/// </summary>
public sealed class WithActorNetServerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static readonly ServerOptions Loopback0 = new() { Host = "127.0.0.1", Port = 0 };

    [Fact]
    public async Task A_hosted_server_listens_before_the_host_reports_started_and_serves_a_loopback_client()
    {
        using var host = BuildHost(akka => akka.WithActorNetServer("echo", Loopback0, () => new EchoHandler()));
        var listeningAtStarted = false;
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() =>
            listeningAtStarted = ActorNetServers.Get(host.Services.GetRequiredService<ActorSystem>()).TryGet("echo", out _));
        await host.StartAsync().WaitAsync(Bound);
        try
        {
            Assert.True(listeningAtStarted, "the server was not listening when the host reported started");
            var server = await Servers(host).GetAsync("echo").WaitAsync(Bound);
            using var client = Loopback.Connect(server.EndPoint);
            Assert.Equal("hello\n"u8.ToArray(), RoundTrip(client, "hello\n"u8.ToArray()));
        }
        finally
        {
            await host.StopAsync().WaitAsync(Bound);
        }
    }

    [Fact]
    public async Task Stopping_the_host_refuses_new_connects_and_returns_normally_once_the_live_client_has_closed()
    {
        var options = Loopback0 with { DrainTimeout = TimeSpan.FromSeconds(20) };
        using var host = BuildHost(akka => akka.WithActorNetServer("echo", options, () => new EchoHandler()));
        await host.StartAsync().WaitAsync(Bound);
        var endPoint = (IPEndPoint)Servers(host)["echo"].EndPoint;
        using var client = Loopback.Connect(endPoint);
        Assert.Equal("a"u8.ToArray(), RoundTrip(client, "a"u8.ToArray()));

        var stopping = host.StopAsync();
        await AwaitRefused(endPoint);
        Assert.False(stopping.IsCompleted, "the host stopped while a connection was live");
        Assert.Equal("still served"u8.ToArray(), RoundTrip(client, "still served"u8.ToArray()));
        client.Shutdown(SocketShutdown.Send);
        Loopback.ExpectEof(client);                    // the server's FIN, well before drain-timeout
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Stopping_the_host_ends_a_lingering_connection_at_drain_timeout_and_the_host_s_other_services_stop_uncancelled()
    {
        // The host's own timeout (1 s) is below the drain: WithActorNetServer raises it, so the service stopped after
        // Akka's (registered before it) still gets an uncancelled token.
        var options = Loopback0 with { DrainTimeout = TimeSpan.FromSeconds(2), DrainGrace = TimeSpan.FromSeconds(1) };
        var probe = new StopProbe();
        using var host = BuildHost(akka => akka.WithActorNetServer("echo", options, () => new EchoHandler()), services =>
        {
            services.Configure<GenericHostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
            services.AddSingleton<IHostedService>(probe);
        });
        await host.StartAsync().WaitAsync(Bound);
        using var client = Loopback.Connect(Servers(host)["echo"].EndPoint);
        Assert.Equal("x"u8.ToArray(), RoundTrip(client, "x"u8.ToArray()));

        var clock = Stopwatch.StartNew();
        var stopping = host.StopAsync();
        Loopback.ExpectEof(client);                    // ended at drain-timeout
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(10));
        client.Close();
        await stopping.WaitAsync(Bound);               // no exception: a drained stop is a normal stop
        Assert.True(probe.Stopped);
        Assert.False(probe.TokenWasCancelled, "the host's shutdown timeout cut its other services short");
    }

    [Fact]
    public async Task The_host_shutdown_timeout_and_Akka_s_drain_phase_are_raised_to_cover_the_drain_and_longer_ones_are_kept()
    {
        var options = Loopback0 with { DrainTimeout = TimeSpan.FromSeconds(40), DrainGrace = TimeSpan.FromSeconds(2) };
        using (var host = BuildHost(akka => akka.WithActorNetServer("echo", options, () => new EchoHandler())))
        {
            await host.StartAsync().WaitAsync(Bound);
            try
            {
                Assert.Equal(TimeSpan.FromSeconds(40 + 2 + 5), CoordinatedShutdown.Get(System(host)).Timeout(CoordinatedShutdown.PhaseServiceRequestsDone));
                Assert.Equal(TimeSpan.FromSeconds(40 + 2 + 5 + 5), ShutdownTimeout(host));
                // SIGTERM stops the host, whose stop runs CoordinatedShutdown: Akka's own signal hook is off.
                Assert.False(System(host).Settings.Config.GetBoolean("akka.coordinated-shutdown.run-by-clr-shutdown-hook"));
            }
            finally
            {
                await host.StopAsync().WaitAsync(Bound);
            }
        }

        using (var host = BuildHost(
                   akka => akka.AddHocon("akka.coordinated-shutdown.phases.service-requests-done.timeout = 120s", HoconAddMode.Prepend)
                       .WithActorNetServer("echo", options, () => new EchoHandler()),
                   services => services.Configure<GenericHostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(10))))
        {
            await host.StartAsync().WaitAsync(Bound);
            try
            {
                Assert.Equal(TimeSpan.FromSeconds(120), CoordinatedShutdown.Get(System(host)).Timeout(CoordinatedShutdown.PhaseServiceRequestsDone));
                Assert.Equal(TimeSpan.FromMinutes(10), ShutdownTimeout(host));
            }
            finally
            {
                await host.StopAsync().WaitAsync(Bound);
            }
        }
    }

    [Fact]
    public async Task A_taken_port_fails_the_host_start_with_EADDRINUSE_naming_the_endpoint()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;
        using var host = BuildHost(akka => akka.WithActorNetServer("echo", Loopback0 with { Port = port }, () => new EchoHandler()));

        var failure = await Assert.ThrowsAsync<NetException>(() => host.StartAsync().WaitAsync(Bound));
        Assert.Equal("EADDRINUSE", failure.Error.Code);
        Assert.Contains($"127.0.0.1:{port}", failure.Message);
        // The ActorSystem is shut down, and whoever waited for the server hears why.
        var system = System(host);
        await system.WhenTerminated.WaitAsync(Bound);
        var waited = await Assert.ThrowsAsync<NetException>(() => ActorNetServers.Get(system).GetAsync("echo").WaitAsync(Bound));
        Assert.Same(failure, waited);
    }

    [Fact]
    public async Task Two_named_servers_listen_side_by_side_and_both_close_when_the_host_stops()
    {
        using var host = BuildHost(akka => akka
            .WithActorNetServer("echo", Loopback0, () => new EchoHandler())
            .WithActorNetServer("discard", Loopback0, () => new DiscardHandler()));
        await host.StartAsync().WaitAsync(Bound);
        var servers = Servers(host);
        ActorNetServer echo, discard;
        try
        {
            Assert.Equal(["discard", "echo"], servers.Names);
            echo = servers["echo"];
            discard = servers["discard"];
            Assert.NotEqual(echo.EndPoint, discard.EndPoint);
            using (var client = Loopback.Connect(echo.EndPoint))
                Assert.Equal("ping"u8.ToArray(), RoundTrip(client, "ping"u8.ToArray()));
            using (var client = Loopback.Connect(discard.EndPoint))
            {
                client.Send("into the void"u8.ToArray());
                client.Shutdown(SocketShutdown.Send);
                Assert.Empty(Loopback.ReadToEnd(client));
            }
        }
        finally
        {
            await host.StopAsync().WaitAsync(Bound);
        }
        await Task.WhenAll(echo.Completion, discard.Completion).WaitAsync(Bound);
    }

    [Fact]
    public void A_missing_name_options_or_handler_factory_or_a_duplicate_name_is_an_ArgumentException_naming_the_parameter()
    {
        var akka = new AkkaConfigurationBuilder(new ServiceCollection(), "validation");
        Func<IConnectionHandler> echo = () => new EchoHandler();
        Assert.Equal("name", Assert.Throws<ArgumentNullException>(() => akka.WithActorNetServer(null!, Loopback0, echo)).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => akka.WithActorNetServer("", Loopback0, echo)).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => akka.WithActorNetServer("a/b", Loopback0, echo)).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => akka.WithActorNetServer("echo", null!, echo)).ParamName);
        Assert.Equal("handlerFactory", Assert.Throws<ArgumentNullException>(() => akka.WithActorNetServer("echo", Loopback0, null!)).ParamName);

        akka.WithActorNetServer("echo", Loopback0, echo);
        var duplicate = Assert.Throws<ArgumentException>(() => akka.WithActorNetServer("echo", Loopback0, echo));
        Assert.Equal("name", duplicate.ParamName);
        Assert.Contains("\"echo\"", duplicate.Message);
        // The same name on another ActorSystem's builder is fine.
        new AkkaConfigurationBuilder(new ServiceCollection(), "other").WithActorNetServer("echo", Loopback0, echo);
    }

    [Fact]
    public async Task A_duplicate_name_fails_the_host_start()
    {
        using var host = BuildHost(akka => akka
            .WithActorNetServer("echo", Loopback0, () => new EchoHandler())
            .WithActorNetServer("echo", Loopback0, () => new EchoHandler()));
        var failure = await Assert.ThrowsAsync<ArgumentException>(() => host.StartAsync().WaitAsync(Bound));
        Assert.Equal("name", failure.ParamName);
    }

    private static IHost BuildHost(Action<AkkaConfigurationBuilder> akka, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        services?.Invoke(builder.Services);
        builder.Services.AddAkka("hosting-test", akka);
        return builder.Build();
    }

    private static ActorSystem System(IHost host) => host.Services.GetRequiredService<ActorSystem>();

    private static ActorNetServers Servers(IHost host) => ActorNetServers.Get(System(host));

    private static TimeSpan ShutdownTimeout(IHost host) => host.Services.GetRequiredService<IOptions<GenericHostOptions>>().Value.ShutdownTimeout;

    private static byte[] RoundTrip(Socket client, byte[] bytes)
    {
        client.Send(bytes);
        return Loopback.ReadExactly(client, bytes.Length);
    }

    // The host's stop runs CoordinatedShutdown asynchronously: connects are refused once service-unbind has run.
    private static async Task AwaitRefused(IPEndPoint endPoint)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            try
            {
                using var probe = Loopback.Connect(endPoint);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // A probe still in the accept queue when the listener closed is reset: try again.
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{endPoint} still accepts connections");
            await Task.Delay(20);
        }
    }

    /// <summary>A hosted service that records how it was stopped.</summary>
    private sealed class StopProbe : IHostedService
    {
        public bool Stopped { get; private set; }

        public bool TokenWasCancelled { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken)
        {
            Stopped = true;
            TokenWasCancelled = cancellationToken.IsCancellationRequested;
            return Task.CompletedTask;
        }
    }
}
