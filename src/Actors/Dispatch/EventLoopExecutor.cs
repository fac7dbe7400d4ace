using Akka.Dispatch;
using ActorNet.Transport;

namespace ActorNet.Dispatch;

/// <summary>
/// Runs a mailbox on the thread that scheduled it ("event-loop" mode), but only on an I/O thread (inside an <see cref="IoThreadScope"/>, which transports open around each completion): with
/// inline socket completions, a socket actor then handles its read on the socket engine's thread, with no hand-off.
/// A mailbox scheduled from any other thread (Akka's scheduler, a parent creating the actor, another dispatcher's
/// actor) goes to the thread pool instead, so it never runs inside that thread's work. A mailbox scheduled while this
/// thread already runs one waits in a per-thread queue and runs right after it (a trampoline, never nested); after
/// <see cref="MaxRunsPerTurn"/> runs the rest moves to the thread pool, so one busy actor cannot keep a thread.
/// </summary>
/// <remarks>Handler code on such a dispatcher must not block: it holds up every connection served by that thread.</remarks>
public sealed class EventLoopExecutor(string id) : ExecutorService(id)
{
    /// <summary>Mailbox runs one thread does in a row before it hands the rest to the thread pool.</summary>
    public const int MaxRunsPerTurn = 256;

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
        if (!IoThreadScope.IsActive)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static r => RunTurn(r), run, preferLocal: false);
            return;
        }
        RunTurn(run);
    }

    private static void RunTurn(IRunnable run)
    {
        t_running = true;
        try
        {
            run.Run();
            var pending = t_pending;
            for (var runs = 1; pending is not null && runs < MaxRunsPerTurn && pending.TryDequeue(out var next); runs++) next.Run();
        }
        finally
        {
            t_running = false;
            // Over the budget (or a run threw, which Akka's mailboxes do not): what waited runs elsewhere.
            while (t_pending is { } left && left.TryDequeue(out var rest))
                ThreadPool.UnsafeQueueUserWorkItem(static r => RunTurn(r), rest, preferLocal: false);
        }
    }

    /// <inheritdoc />
    public override void Shutdown()
    {
        // Owns no thread.
    }
}
