using Akka.Event;
using Serilog.Events;

namespace ActorNet.Server;

/// <summary>
/// Akka's logger for the very start and end of the actor system (<c>akka.stdout-logger-class</c>): what Akka logs
/// before the Serilog logger actor runs or after it stopped goes to Serilog too, so every line has one format.
/// </summary>
internal sealed class SerilogMinimalLogger : MinimalLogger
{
    /// <summary>The assembly-qualified name for <c>akka.stdout-logger-class</c>.</summary>
    public static string ClassName => $"{typeof(SerilogMinimalLogger).FullName}, {typeof(SerilogMinimalLogger).Assembly.GetName().Name}";

    /// <inheritdoc />
    protected override void Log(object message)
    {
        if (message is not Akka.Event.LogEvent e) return;
        var level = e.LogLevel() switch
        {
            LogLevel.DebugLevel => LogEventLevel.Debug,
            LogLevel.InfoLevel => LogEventLevel.Information,
            LogLevel.WarningLevel => LogEventLevel.Warning,
            _ => LogEventLevel.Error,
        };
        var logger = Serilog.Log.ForContext("LogSource", e.LogSource);
        if (e.Message is LogMessage logMessage)
            logger.Write(level, e.Cause, logMessage.Format, logMessage.Parameters().ToArray());
        else
            logger.Write(level, e.Cause, "{Message:l}", e.Message);
    }
}
