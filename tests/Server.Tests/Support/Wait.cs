using System.Diagnostics;
using System.Net.Sockets;
using Xunit.Sdk;

namespace ActorNet.Tests.Support;

/// <summary>Bounded waits for events that have no callback (connect attempts, slots freed).</summary>
internal static class Wait
{
    public static TimeSpan Since(long timestamp) => Stopwatch.GetElapsedTime(timestamp);

    /// <summary>
    /// Connects until one is accepted by the echo handler (a small message comes back), as long as the attempt
    /// starts within <paramref name="window"/> of <paramref name="since"/>. Rejected attempts (FIN or RST at once)
    /// are closed and retried. Fails the test when no attempt inside the window was accepted.
    /// </summary>
    public static Client ForEchoSlot(int port, long since, TimeSpan window, string what)
    {
        var attempts = new List<string>();
        while (true)
        {
            var startedAt = Since(since);
            if (startedAt > window)
                throw new XunitException($"{what}: no connection was accepted within {window.TotalSeconds:F1} s; {Summary(attempts)}");
            var client = Client.Connect(port);
            try
            {
                client.Send("slot?");
                var outcome = client.ReadToEnd(TimeSpan.FromSeconds(1), keep: true, onData: null, stopAfter: 5);
                if (outcome.Text == "slot?")
                    return client;
                attempts.Add($"at {startedAt.TotalMilliseconds:F0} ms: {outcome}");
            }
            catch
            {
                client.Dispose();
                throw;
            }
            client.Dispose();
            Thread.Sleep(RetryInterval); // poll interval of a bounded loop
        }
    }

    /// <summary>Pause between two connection attempts of a bounded retry loop.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(25);

    /// <summary>"N attempts turned away; first: ...; last: ..." for a failure message.</summary>
    public static string Summary(IReadOnlyList<string> attempts) => attempts.Count switch
    {
        0 => "no attempt",
        1 => $"1 attempt: {attempts[0]}",
        _ => $"{attempts.Count} attempts turned away; first: {attempts[0]}; last: {attempts[^1]}",
    };

    /// <summary>Connects until connect(2) fails with ECONNREFUSED (accepted ones are closed with FIN); returns when it happened.</summary>
    public static TimeSpan UntilRefused(int port, TimeSpan timeout, long since)
    {
        var errors = new List<string>();
        while (true)
        {
            var error = Client.TryConnect(port, out var client);
            if (error == SocketError.ConnectionRefused) return Since(since);
            errors.Add(error.ToString());
            client?.Dispose();
            if (Since(since) > timeout)
                throw new XunitException($"connects were not refused within {timeout.TotalSeconds:F1} s: {string.Join(", ", errors.TakeLast(5))}");
            Thread.Sleep(20); // poll interval of a bounded loop
        }
    }
}
