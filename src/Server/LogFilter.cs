using System.Net.Sockets;
using Serilog.Events;

namespace ActorNet.Server;

/// <summary>Akka's own lines that the executable says better itself; they are left out of the log.</summary>
internal static class LogFilter
{
    /// <summary>True for an event that another line already reports truthfully and in one line.</summary>
    public static bool IsRedundant(LogEvent e)
    {
        var text = e.MessageTemplate.Text;
        // Akka names the reason's type and takes the exit code from it, not from the process (a failed listen
        // said 0 and exited 1): the host logs the signal and "Exiting with code N" itself.
        if (text.StartsWith("CoordinatedShutdown invoked due to", StringComparison.Ordinal)) return true;
        // Akka.IO's bind failure with the socket's stack trace: ServerActor's "Server error: listen EADDRINUSE ..."
        // reports the same failure in one line, as on the other transports.
        return e.Exception is SocketException && text.StartsWith("Bind failed for TCP channel", StringComparison.Ordinal);
    }
}
