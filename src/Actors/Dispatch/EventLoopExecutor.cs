using Akka.Dispatch;

namespace ActorNet.Dispatch;

/// <summary>
/// Runs a mailbox on the thread that scheduled it ("event-loop" mode): with inline socket completions, a socket
/// actor then handles its read on the socket engine's thread, with no hand-off. A mailbox scheduled while this
/// thread is already running one waits in a per-thread queue and runs right after it (a trampoline), so actors
/// telling each other never nest on the stack.
/// </summary>
/// <remarks>Handler code on such a dispatcher must not block: it holds up every connection served by that thread.</remarks>
public sealed class EventLoopExecutor(string id) : ExecutorService(id)
{
    [ThreadStatic] private static Queue<IRunnable>? t_pending;
    [ThreadStatic] private static bool t_running;

    /// <inheritdoc />
    public override void Execute(IRunnable run)
    {
        if (t_running)
        {
            (t_pending ??= new Queue<IRunnable>()).Enqueue(run);
            return;
        }
        t_running = true;
        try
        {
            run.Run();
            var pending = t_pending;
            while (pending is not null && pending.TryDequeue(out var next)) next.Run();
        }
        finally
        {
            t_running = false;
            // Only if a mailbox run threw (Akka's do not): what waited still runs, elsewhere.
            while (t_pending is { } left && left.TryDequeue(out var orphan))
                ThreadPool.UnsafeQueueUserWorkItem(static r => r.Run(), orphan, preferLocal: false);
        }
    }

    /// <inheritdoc />
    public override void Shutdown()
    {
        // Owns no thread.
    }
}
