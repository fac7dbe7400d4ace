using ActorNet.Options;

namespace ActorNet.Hosting;

/// <summary>How long a hosted server's shutdown may take, so that neither Akka nor the host cuts its drain short.</summary>
internal static class ShutdownBudget
{
    /// <summary>
    /// Slack above drain-timeout + drain-grace: the drain's last reset is scheduled, not instant, and after
    /// <c>service-requests-done</c> the ActorSystem still runs <c>service-stop</c> and terminates.
    /// </summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(5);

    /// <summary>The <c>service-requests-done</c> phase's timeout that lets <paramref name="options"/>' drain finish.</summary>
    public static TimeSpan DrainPhase(ServerOptions options) => options.DrainTimeout + options.DrainGrace + Margin;

    /// <summary>The host's shutdown timeout that covers a <c>service-requests-done</c> phase of <paramref name="drainPhase"/>.</summary>
    public static TimeSpan Host(TimeSpan drainPhase) => drainPhase + Margin;
}
