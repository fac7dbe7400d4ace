namespace ActorNet.Protocol;

/// <summary>Messages of a <see cref="Reconnector"/>: what it tells its owner, and how to stop it.</summary>
public static class ReconnectProtocol
{
    /// <summary>The previous attempt failed or the connection was lost; attempt <paramref name="Attempt"/> starts after <paramref name="Delay"/>.</summary>
    public sealed record Reconnecting(int Attempt, TimeSpan Delay, NetError? LastError);

    /// <summary><paramref name="Attempts"/> attempts in a row did not connect; the reconnector stops.</summary>
    public sealed record GaveUp(int Attempts, NetError? LastError);

    /// <summary>Stop reconnecting and end the current connection gracefully.</summary>
    public sealed record Stop
    {
        /// <summary>The single instance.</summary>
        public static Stop Instance { get; } = new();
    }
}
