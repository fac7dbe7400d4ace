using ActorNet.Options;
using ActorNet.Protocol;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace ActorNet.Server;

/// <summary>
/// The executable's one Serilog logger, on stdout, in <c>actornet.host.log-format</c>: every line goes through it, Akka's
/// (through Akka.Logger.Serilog, and <see cref="SerilogMinimalLogger"/> before and after that logger runs) and the host's.
/// </summary>
internal static class ConsoleLog
{
    /// <summary>The text format's line: unchanged since the first release, tests and operators read it.</summary>
    public const string TextTemplate = "[{Timestamp:yyyy-MM-ddTHH:mm:ss.fffzzz} {Level:u3}] {Message:lj}{NewLine}{Exception}";

    /// <summary>
    /// A logger at <paramref name="level"/> writing <paramref name="format"/>. JSON is Serilog's compact format with the
    /// message template (<c>@mt</c>), not the rendered message: the template is the event's stable type to group and
    /// alert on, every value is already a property, and Serilog's rendering would quote each string inside <c>@m</c>.
    /// </summary>
    public static Logger Create(LogEventLevel level, LogFormat format)
    {
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .Filter.ByExcluding(LogFilter.IsRedundant)
            // Kept as the error itself (rendered as today's text), so that NetErrorEnricher can add its code.
            .Destructure.AsScalar<NetError>()
            .Enrich.With<NetErrorEnricher>();
        return (format == LogFormat.Json
                ? configuration.WriteTo.Console(new CompactJsonFormatter())
                : configuration.WriteTo.Console(outputTemplate: TextTemplate))
            .CreateLogger();
    }

    /// <summary>
    /// An event that carries a <see cref="NetError"/> (e.g. "Server error: {Error}") also gets its parts as properties:
    /// <c>Code</c> (Node's, e.g. EADDRINUSE), and <c>Syscall</c>, <c>Address</c>, <c>Port</c> where known, so a shipper
    /// can count errors by code without parsing the message.
    /// </summary>
    private sealed class NetErrorEnricher : ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
        {
            foreach (var property in logEvent.Properties.Values)
            {
                if (property is not ScalarValue { Value: NetError error }) continue;
                logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("Code", error.Code));
                if (error.Syscall is { } syscall) logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("Syscall", syscall));
                if (error.Address is { } address) logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("Address", address));
                if (error.Port is { } port) logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("Port", port));
                return;
            }
        }
    }
}
