namespace ActorNet;

/// <summary>
/// Opt-in reconnection for <see cref="Reconnector"/>: after a failed or lost connection, wait
/// <see cref="InitialDelay"/>, growing by <see cref="Multiplier"/> up to <see cref="MaxDelay"/>, and give up after
/// <see cref="MaxAttempts"/> attempts in a row that did not connect. A successful connect starts the count afresh.
/// </summary>
public sealed record ReconnectPolicy(int MaxAttempts, TimeSpan InitialDelay, TimeSpan MaxDelay, double Multiplier = 2.0)
{
    /// <summary>5 attempts, 100 ms doubling up to 5 s.</summary>
    public static ReconnectPolicy Default { get; } = new(5, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));

    /// <summary>The delay before attempt <paramref name="attempt"/> (2 = the first retry).</summary>
    public TimeSpan DelayBefore(int attempt)
    {
        var ms = InitialDelay.TotalMilliseconds * Math.Pow(Multiplier, Math.Max(0, attempt - 2));
        return TimeSpan.FromMilliseconds(Math.Min(ms, MaxDelay.TotalMilliseconds));
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public ReconnectPolicy Validate()
    {
        if (MaxAttempts < 1) throw new ArgumentException($"ReconnectPolicy.MaxAttempts: {MaxAttempts} must be at least 1", nameof(MaxAttempts));
        if (InitialDelay < TimeSpan.Zero) throw new ArgumentException("ReconnectPolicy.InitialDelay: must not be negative", nameof(InitialDelay));
        if (MaxDelay < InitialDelay) throw new ArgumentException("ReconnectPolicy.MaxDelay: must not be below InitialDelay", nameof(MaxDelay));
        if (!(Multiplier >= 1.0)) throw new ArgumentException($"ReconnectPolicy.Multiplier: {Multiplier} must be at least 1", nameof(Multiplier));
        return this;
    }
}
