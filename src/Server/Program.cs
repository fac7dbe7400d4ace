using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Configuration;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Server;
using Serilog;
using Serilog.Events;

return await ServerHost.RunAsync(args);

namespace ActorNet.Server
{
    /// <summary>The executable: reads the configuration, listens, and drains on SIGINT/SIGTERM.</summary>
    internal static class ServerHost
    {
        private const int ExitConfig = 2;
        private const int ExitListen = 1;

        // echo, discard, tally and chat; chat publishes in the ActorSystem made once the configuration is read.
        private static readonly ExecutableHandlers Handlers = new();

        // A second signal at least this long after the first force-closes; earlier ones are copies of the first.
        private static readonly TimeSpan ForceWindow = TimeSpan.FromSeconds(1);

        public static async Task<int> RunAsync(string[] args)
        {
            CommandLine commandLine;
            Config config;
            ServerOptions options;
            IReadOnlyList<KeyValuePair<string, ServerOptions>> named;
            HostOptions host;
            StatusOptions status;
            MetricsOptions metrics;
            LogEventLevel level;
            try
            {
                commandLine = CommandLine.Parse(args);
                if (commandLine.Version)
                {
                    Console.WriteLine($"ActorNet.Server {Version}");
                    return 0;
                }
                // Every problem is collected, so one run reports all of them.
                var errors = new List<ConfigException>(commandLine.KeyErrors());
                config = LoadConfig(commandLine, errors);
                errors.AddRange(ReferenceConfig.Check(config));
                options = Collect(() => ServerOptionsReader.Read(config, Handlers.Registry), errors, new ServerOptions());
                named = Collect(() => ServerOptionsReader.ReadNamed(config, Handlers.Registry), errors, []);
                host = Collect(() => HostOptionsReader.Read(config), errors, new HostOptions());
                status = Collect(() => StatusOptionsReader.Read(config), errors, new StatusOptions());
                metrics = Collect(() => MetricsOptionsReader.Read(config), errors, new MetricsOptions());
                level = Collect(() => ReadLogLevel(config), errors, LogEventLevel.Information);
                if (commandLine.Help) Console.WriteLine(CommandLine.Usage);
                if (errors.Count > 0)
                {
                    foreach (var message in errors.Select(e => e.Message).Distinct()) ConfigError(message);
                    return ExitConfig;
                }
                if (commandLine.Help)
                {
                    Console.WriteLine(EffectiveConfig.Render(config, config.GetString("akka.loglevel", "INFO")));
                    return 0;
                }
                if (host.InlineSocketCompletions) UseInlineSocketCompletions();
            }
            catch (ConfigException e)
            {
                return ConfigError(e.Message);
            }
            catch (ArgumentException e)
            {
                return ConfigError(e.Message);
            }

            Log.Logger = ConsoleLog.Create(level, host.LogFormat);
            // As Node does: the soft open-files limit goes up to the hard one; connections stop short of it.
            var (before, after) = DescriptorLimit.RaiseToHardLimit();
            if (after != long.MaxValue)
                Log.Information("Open files limit {Limit} (was {Before}); new connections are closed at once from descriptor {ShedAt} on",
                    after, before, DescriptorLimit.ShedAt);
            try
            {
                int code;
                // Before anything is served, so the first connections are counted in what it sends; stopped after the
                // drain, so the last values go out once more.
                using (OtlpExport.Start(metrics, Version))
                    code = await ServeAsync(config, [new HostedServer(ServerOptionsReader.DefaultName, options),
                        .. named.Select(n => new HostedServer(n.Key, n.Value))], host, status);
                Log.Information("Exiting with code {ExitCode}", code);
                return code;
            }
            finally
            {
                await Log.CloseAndFlushAsync();
            }
        }

        private static async Task<int> ServeAsync(Config config, IReadOnlyList<HostedServer> servers, HostOptions host, StatusOptions statusOptions)
        {
            ActorSystem system;
            try
            {
                system = ActorSystem.Create("actornet", HostConfig(servers).WithFallback(config).WithFallback(AkkaIoDefaults));
            }
            catch (Exception e) when (ClusterMode.RemotingBindFailure(e, config) is { } message)
            {
                Log.Error("Cluster error: {Message}", message);
                return ExitListen;
            }
            Handlers.Bind(system);
            var reloaders = new List<CertificateReloader>();
            try
            {
                foreach (var server in servers)
                {
                    var (served, reloader) = CertificateReloader.Attach(server.Options, () => server.Read(config, Handlers.Registry));
                    if (reloader is not null) reloaders.Add(reloader);
                    server.Start(system, served, Handlers.Registry);
                }
                return await ServeAsync(system, config, servers, host, statusOptions);
            }
            finally
            {
                foreach (var reloader in reloaders) reloader.Dispose();
            }
        }

        private static async Task<int> ServeAsync(ActorSystem system, Config config, IReadOnlyList<HostedServer> servers, HostOptions host,
            StatusOptions statusOptions)
        {
            // Made whether or not the endpoint is on: it uses no ASP.NET type. live and listening cover every server.
            var status = new StatusSource { LiveConnections = () => LiveConnections(servers) };
            status.Servers = () => ServersStatus(servers, status);
            if (ClusterMode.IsOn(config)) ClusterMode.Attach(system, status);
            var endpoint = new StatusEndpointSlot();
            WireShutdown(system, servers, status, endpoint);
            if (host.IdleMemoryTrimBytes > 0)
            {
                // The trim returns what bursts freed, so frees on the hot path need not (NativeHeap).
                NativeHeap.KeepFreedMemory();
                MemoryTrimmer.Start(system, host.IdleMemoryTrimBytes);
            }

            // Signals are ours before the port accepts anything: a signal right after readiness must drain, not kill.
            long firstSignalAt = 0;
            void OnSignal(PosixSignalContext context)
            {
                context.Cancel = true;
                var now = Stopwatch.GetTimestamp();
                var first = Interlocked.CompareExchange(ref firstSignalAt, now, 0);
                if (first == 0)
                {
                    // Here rather than in a shutdown phase: /readyz must say 503 from this moment on.
                    status.MarkDraining();
                    Log.Information("Received {Signal}: stop accepting and drain; send SIGINT/SIGTERM again (1 s or more from now) to force-close",
                        context.Signal);
                    _ = CoordinatedShutdown.Get(system).Run(new SignalReason(context.Signal));
                    return;
                }
                var since = Stopwatch.GetElapsedTime(first, now);
                // dotnet run forwards a signal sent to the process group, and timeout or kill -- -PGID send it to
                // both processes: copies within ForceWindow are one request, forcing needs a deliberate second one.
                if (since < ForceWindow)
                {
                    Log.Information("Received {Signal} {SinceMs} ms after the first signal: the same request, still draining",
                        context.Signal, (long)since.TotalMilliseconds);
                    return;
                }
                Log.Information("Received {Signal} again: force-closing the remaining connections", context.Signal);
                foreach (var server in servers) server.Actor.Tell(ServerProtocol.ForceClose.Instance);
            }
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

            try
            {
                // Before the server listens, so that /readyz answers 503 until it does.
                if (statusOptions.Enabled && !await endpoint.StartAsync(statusOptions, status))
                {
                    // Logged in one line, e.g. "Status endpoint error on 127.0.0.1:9100: Failed to bind to address ...: address already in use."
                    await system.Terminate();
                    return ExitListen;
                }
                if (status.Draining)
                {
                    // Stopped by a signal while the endpoint started: nothing was served, nothing to drain.
                    await system.WhenTerminated;
                    return 0;
                }

                // One after the other, the default first: the first that cannot listen stops the process.
                foreach (var server in servers)
                {
                    object reply;
                    try
                    {
                        reply = await server.Actor.Ask<object>(ServerProtocol.Listen.Instance, TimeSpan.FromSeconds(30));
                    }
                    catch (AskTimeoutException) when (Interlocked.Read(ref firstSignalAt) != 0)
                    {
                        // Stopped by a signal while starting: what was served drains in the shutdown.
                        await system.WhenTerminated;
                        return 0;
                    }
                    if (reply is ServerProtocol.ServerError error)
                    {
                        // The server logged it in one line, e.g. "Server error: listen EADDRINUSE: address already in use 127.0.0.1:7000";
                        // a named server is named here, since that line does not say which server it was.
                        if (!server.IsDefault)
                            Log.Error("Server {Server} ({Section}) could not listen: {Error}", server.Name, server.Section, error.Error);
                        await system.Terminate();
                        return ExitListen;
                    }
                    if (reply is ServerProtocol.Listening listening) server.MarkListening(listening.EndPoint);
                }
                status.MarkListening();

                await system.WhenTerminated;
                return ClusterMode.ExitCodeFor(CoordinatedShutdown.Get(system).ShutdownReason) ?? 0;
            }
            finally
            {
                // Normally stopped already, at the end of the coordinated shutdown; this covers a start that raced it.
                await endpoint.StopAsync();
            }
        }

        // Every server's, so /status's live stays "this node's live connections"; null when one did not answer in time.
        private static async Task<int?> LiveConnections(IReadOnlyList<HostedServer> servers)
        {
            var counts = await Task.WhenAll(servers.Select(s => s.LiveAsync()));
            return counts.Any(c => c is null) ? null : counts.Sum();
        }

        private static async Task<object?> ServersStatus(IReadOnlyList<HostedServer> servers, StatusSource status)
        {
            var counts = await Task.WhenAll(servers.Select(s => s.LiveAsync()));
            var part = new JsonObject();
            for (var i = 0; i < servers.Count; i++) part[servers[i].Name] = servers[i].StatusPart(status.Listening, counts[i]);
            return part;
        }

        // docs/architecture.md: service-unbind stops accepting, service-requests-done waits for the drain,
        // service-stop resets what is left.
        // The status endpoint: not ready from the first phase on (a shutdown not started by a signal), stopped in the
        // last one, so /readyz answers 503 for the whole drain.
        private static void WireShutdown(ActorSystem system, IReadOnlyList<HostedServer> servers, StatusSource status,
            StatusEndpointSlot endpoint)
        {
            var cs = CoordinatedShutdown.Get(system);
            cs.AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "actornet-status-draining", () =>
            {
                status.MarkDraining();
                return Task.FromResult(Akka.Done.Instance);
            });
            // Every server at once: each stops accepting and drains under its own drain-timeout; the process waits for all.
            cs.AddTask(CoordinatedShutdown.PhaseServiceUnbind, "actornet-stop-accepting", async () =>
            {
                await Task.WhenAll(servers.Select(async server =>
                {
                    var reply = await server.Actor.Ask<object>(ServerProtocol.Close.Instance, TimeSpan.FromSeconds(5));
                    // Not listening (yet, or any more): there is nothing to drain.
                    if (reply is ServerProtocol.ServerError) server.Closed.TrySetResult();
                }));
                return Akka.Done.Instance;
            });
            cs.AddTask(CoordinatedShutdown.PhaseServiceRequestsDone, "actornet-drain", async () =>
            {
                await Task.WhenAll(servers.Select(server => server.Closed.Task));
                return Akka.Done.Instance;
            });
            cs.AddTask(CoordinatedShutdown.PhaseServiceStop, "actornet-abort-leftovers", () =>
            {
                foreach (var server in servers) server.Actor.Tell(ServerProtocol.ForceClose.Instance);
                return Task.FromResult(Akka.Done.Instance);
            });
            cs.AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "actornet-status-stop", async () =>
            {
                await endpoint.StopAsync();
                return Akka.Done.Instance;
            });
        }

        private static Config HostConfig(IReadOnlyList<HostedServer> servers)
        {
            // The longest drain of all, since they drain at once.
            var drainSeconds = (long)Math.Ceiling(servers.Max(s => s.Options.DrainTimeout + s.Options.DrainGrace).TotalSeconds) + 5;
            return ConfigurationFactory.ParseString($$"""
                akka {
                  loggers = ["Akka.Logger.Serilog.SerilogLogger, Akka.Logger.Serilog"]
                  logger-formatter = "Akka.Logger.Serilog.SerilogLogMessageFormatter, Akka.Logger.Serilog"
                  stdout-loglevel = WARNING
                  # Lines from before the Serilog logger starts or after it stops get the same format.
                  stdout-logger-class = "{{SerilogMinimalLogger.ClassName}}"
                  log-dead-letters = off
                  log-dead-letters-during-shutdown = off
                  coordinated-shutdown {
                    # Signals are handled above; Akka's hook only logged a second, false start on each one.
                    run-by-clr-shutdown-hook = off
                    phases.service-unbind.timeout = 5s
                    phases.service-requests-done.timeout = {{drainSeconds}}s
                    phases.service-stop.timeout = 5s
                  }
                }
                """);
        }

        // transport = akka-io: Akka's 4 KiB frames and 8 KiB socket buffers make large messages slow (docs/architecture.md);
        // a user's own akka.io.tcp settings still win. Each connection holds a receive buffer of maximum-frame-size for
        // its whole life: 64k costs about 75 KiB per idle connection, 16k about 27 (docs/semantics.md).
        // Cluster mode: .NET's SO_REUSEADDR on Linux is SO_REUSEPORT too, so Akka's default (on except on Windows) let
        // two nodes bind one remoting port and both start with the same address; off makes the second fail instead.
        private static readonly Config AkkaIoDefaults = ConfigurationFactory.ParseString("""
            akka.remote.dot-netty.tcp.tcp-reuse-addr = off
            akka.io.tcp {
              maximum-frame-size = 64k
              receive-buffer-size = 256k
              send-buffer-size = 256k
            }
            """);

        private static string Version =>
            typeof(ServerHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(ServerHost).Assembly.GetName().Version?.ToString() ?? "unknown";

        private static T Collect<T>(Func<T> read, List<ConfigException> errors, T fallback)
        {
            try
            {
                return read();
            }
            catch (ConfigException e)
            {
                errors.AddRange(e.Errors);
                return fallback;
            }
        }

        // A layer with errors is left out (its errors are reported), so the other layers are still checked.
        private static Config LoadConfig(CommandLine commandLine, List<ConfigException> errors)
        {
            var shipped = Path.Combine(AppContext.BaseDirectory, "hocon", "server.conf");
            var config = File.Exists(shipped) ? Collect(() => HoconFile.Load(shipped, Environment.GetEnvironmentVariable), errors, Config.Empty) : Config.Empty;
            if (commandLine.ConfigPath is { } path)
            {
                if (!File.Exists(path)) throw new ArgumentException($"--config: file not found: {path}");
                config = Collect(() => HoconFile.Load(path, Environment.GetEnvironmentVariable), errors, Config.Empty).WithFallback(config);
            }
            return commandLine.OverridesConfig().WithFallback(config);
        }

        // "Event-loop" mode (server.conf): socket completions run on the socket engine's threads, and socket actors on
        // an EventLoopExecutor dispatcher run right there. .NET reads this variable once, before the first socket
        // operation, so it is set before anything opens a socket; a value already in the environment wins.
        private const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

        private static void UseInlineSocketCompletions()
        {
            if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
                Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }

        private static LogEventLevel ReadLogLevel(Config config)
        {
            var text = config.GetString("akka.loglevel", "INFO").Trim().ToUpperInvariant();
            return text switch
            {
                "DEBUG" => LogEventLevel.Debug,
                "INFO" => LogEventLevel.Information,
                "WARNING" => LogEventLevel.Warning,
                "ERROR" => LogEventLevel.Error,
                "OFF" => LogEventLevel.Fatal,
                _ => throw new ConfigException("akka.loglevel", $"\"{text}\" is not a log level (DEBUG, INFO, WARNING, ERROR, OFF)"),
            };
        }

        private static int ConfigError(string message)
        {
            Console.Error.WriteLine($"config error: {message}");
            return ExitConfig;
        }

        /// <summary>
        /// The status endpoint once started, so the shutdown can stop it even while it is still starting. It names no
        /// ASP.NET type: <see cref="StatusEndpoint"/> (and with it ASP.NET) is loaded only by <see cref="StartAsync"/>.
        /// </summary>
        private sealed class StatusEndpointSlot
        {
            private Task<IAsyncDisposable?>? _starting;

            /// <summary>Starts the endpoint; false when it could not (logged).</summary>
            public async Task<bool> StartAsync(StatusOptions options, StatusSource source)
            {
                var starting = StatusEndpoint.StartAsync(options, source);
                Volatile.Write(ref _starting, starting);
                return await starting is not null;
            }

            /// <summary>Stops the endpoint if it was started (waiting for a start in progress); does nothing the second time.</summary>
            public async Task StopAsync()
            {
                if (Volatile.Read(ref _starting) is { } starting && await starting is { } running)
                    await running.DisposeAsync();
            }
        }

        private sealed class SignalReason(PosixSignal signal) : CoordinatedShutdown.Reason
        {
            public override int ExitCode => 0;

            public override string ToString() => $"signal {signal}";
        }
    }
}
