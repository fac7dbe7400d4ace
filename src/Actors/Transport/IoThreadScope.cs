namespace ActorNet.Transport;

/// <summary>
/// Marks the current thread as an I/O thread while a transport delivers a completion on it ("event-loop" mode): a
/// socket actor on the <see cref="Dispatch.EventLoopExecutor"/> dispatcher told from inside the scope runs right on
/// this thread, with no hand-off. A transport that calls its owners from threads of its own (an epoll loop, socket
/// engine completions) wraps each delivery: <c>using var scope = IoThreadScope.Enter();</c>. Outside a scope such
/// actors run on the thread pool, which is always correct, only slower. Scopes nest.
/// </summary>
public readonly struct IoThreadScope : IDisposable
{
    [ThreadStatic] private static bool t_active;

    private readonly bool _outer;

    private IoThreadScope(bool outer) => _outer = outer;

    /// <summary>Whether the current thread is inside a scope.</summary>
    public static bool IsActive => t_active;

    /// <summary>Marks the current thread until the scope is disposed.</summary>
    public static IoThreadScope Enter()
    {
        var scope = new IoThreadScope(t_active);
        t_active = true;
        return scope;
    }

    /// <summary>Restores the mark the thread had before <see cref="Enter"/>.</summary>
    public void Dispose() => t_active = _outer;
}
