using System.Runtime.CompilerServices;

namespace ActorNet.Tests.Support;

internal static class TestSetup
{
    // Clients connect with ConnectAsync(...).Wait() and tests block in polls, in parallel: on 2 cores the pool
    // would add threads slowly, and a connect completion waiting for a thread for half a second makes a
    // server-side timer look early to the test.
    [ModuleInitializer]
    internal static void RaiseThreadPoolMinimum() => ThreadPool.SetMinThreads(32, 32);
}
