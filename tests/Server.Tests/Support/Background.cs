namespace ActorNet.Tests.Support;

/// <summary>Work on a dedicated thread (a client's writer beside its reader), joined with a bound.</summary>
internal sealed class Background
{
    private readonly Thread _thread;
    private Exception? _error;

    private Background(Action work)
    {
        _thread = new Thread(() =>
        {
            try
            {
                work();
            }
            catch (Exception e)
            {
                _error = e;
            }
        }) { IsBackground = true, Name = "test-writer" };
        _thread.Start();
    }

    public static Background Run(Action work) => new(work);

    public bool IsCompleted => !_thread.IsAlive;

    public bool IsFaulted => IsCompleted && _error is not null;

    public Exception? Error => _error;

    /// <summary>Waits at most <paramref name="timeout"/>; true when the work has finished (with or without an error).</summary>
    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    /// <summary>Waits at most <paramref name="timeout"/> and rethrows the work's error; false when it is still running.</summary>
    public bool JoinAndCheck(TimeSpan timeout)
    {
        if (!_thread.Join(timeout)) return false;
        if (_error is not null) throw new InvalidOperationException($"background work failed: {_error.Message}", _error);
        return true;
    }
}
