using System.Net;
using System.Net.Sockets;
using ActorNet.Diagnostics;
using ActorNet.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Serilog;
using Serilog.Events;

namespace ActorNet.Server;

/// <summary>
/// The HTTP/1.1 status endpoint (<c>actornet.status</c>): <c>GET /healthz</c>, <c>/readyz</c> and <c>/status</c>,
/// served by Kestrel from <see cref="StatusSource"/>, and <c>GET /metrics</c>: the meter <c>ActorNet</c> in Prometheus
/// text format, through OpenTelemetry's Prometheus exporter. The only code that uses ASP.NET: the executable calls it only
/// when the endpoint is on, so with <c>port = 0</c> no ASP.NET assembly is loaded.
/// </summary>
internal static class StatusEndpoint
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Binds <paramref name="options"/>' address and serves; returns the running endpoint (dispose it to stop), or
    /// null when it could not start (name not resolved, port in use, address not local), which is logged.
    /// </summary>
    public static async Task<IAsyncDisposable?> StartAsync(StatusOptions options, StatusSource source)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(source);
        WebApplication? app = null;
        try
        {
            // As the server does: a host name is resolved first and the first address is used.
            var address = IPAddress.TryParse(options.Host, out var parsed)
                ? parsed
                : (await Dns.GetHostAddressesAsync(options.Host)).FirstOrDefault()
                    ?? throw new SocketException((int)SocketError.HostNotFound);
            app = Build(address, options.Port, source);
            await app.StartAsync();
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // Kestrel reports a port in use as an IOException ("address already in use"), other bind errors and
            // failed look-ups as a SocketException.
            Log.Error("Status endpoint error on {Host}:{Port}: {Error}", options.Host, options.Port, e.Message);
            if (app is not null) await app.DisposeAsync();
            return null;
        }
        Log.Information("Status endpoint on http://{Host}:{Port}", UrlHost(options.Host), options.Port);
        return new Running(app);
    }

    private static WebApplication Build(IPAddress address, int port, StatusSource source)
    {
        // The empty builder: no configuration files, environment or logging providers, only what is added here.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(address, port, listen => listen.Protocols = HttpProtocols.Http1);
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("ActorNet.Server"))
            .WithMetrics(metrics => metrics.AddMeter(ActorNetMetrics.MeterName).AddPrometheusExporter());
        // The host's default lifetime handles SIGINT/SIGTERM itself and would stop the endpoint at the first
        // signal; the executable's own handler drains, and the endpoint must keep answering 503 meanwhile.
        builder.Services.AddSingleton<IHostLifetime, NoSignalsLifetime>();
        builder.Logging.AddProvider(new SerilogWarnings());
        // A failed start is logged once, in one line, by StartAsync; the host would add it again with a stack trace.
        builder.Logging.AddFilter<SerilogWarnings>("Microsoft.Extensions.Hosting", LogLevel.None);

        var app = builder.Build();
        app.MapGet("/healthz", (RequestDelegate)(context => Text(context, StatusCodes.Status200OK, "ok\n")));
        app.MapGet("/readyz", (RequestDelegate)(context => source.Ready
            ? Text(context, StatusCodes.Status200OK, "ready\n")
            : Text(context, StatusCodes.Status503ServiceUnavailable, source.Draining ? "draining\n" : "not ready\n")));
        app.MapGet("/status", (RequestDelegate)(async context =>
        {
            var report = await source.SnapshotAsync();
            context.Response.StatusCode = report.Live is null ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(StatusSource.ToJson(report), context.RequestAborted);
        }));
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    private static Task Text(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text, context.RequestAborted);
    }

    private static string UrlHost(string host) => host.Contains(':') && !host.StartsWith('[') ? $"[{host}]" : host;

    /// <summary>Stops the endpoint once, however often it is disposed.</summary>
    private sealed class Running(WebApplication app) : IAsyncDisposable
    {
        private int _disposed;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            using (var timeout = new CancellationTokenSource(StopTimeout))
                await app.StopAsync(timeout.Token);
            await app.DisposeAsync();
        }
    }

    /// <summary>A host lifetime that neither handles signals nor waits for anything.</summary>
    private sealed class NoSignalsLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>ASP.NET's own warnings and errors into the executable's Serilog log; nothing below Warning.</summary>
    private sealed class SerilogWarnings : ILoggerProvider
    {
        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(string category) : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel)) return;
                var level = logLevel switch
                {
                    LogLevel.Warning => LogEventLevel.Warning,
                    LogLevel.Error => LogEventLevel.Error,
                    _ => LogEventLevel.Fatal,
                };
                Serilog.Log.Write(level, exception, "Status endpoint: {Category}: {AspNetMessage:l}", category, formatter(state, exception));
            }
        }
    }
}
