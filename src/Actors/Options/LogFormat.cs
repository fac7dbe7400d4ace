namespace ActorNet.Options;

/// <summary>How the executable writes its log lines on stdout (<c>actornet.host.log-format</c>).</summary>
public enum LogFormat
{
    /// <summary>One human-readable line per event: <c>[timestamp LVL] message</c>. The default.</summary>
    Text,

    /// <summary>
    /// One compact JSON object per line (Serilog's CLEF: <c>@t</c>, <c>@mt</c>, <c>@l</c> unless Information, <c>@x</c>,
    /// and every property of the event), for log shippers.
    /// </summary>
    Json,
}
