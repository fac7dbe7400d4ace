using System.Runtime.CompilerServices;

namespace ActorNet.Tests.Support;

internal static class TestSetup
{
    // Tests block threads (synchronous sockets, TestKit's Expect*) on the pool Akka also runs on;
    // on 2 cores the pool would add threads slowly and starve the actors under test.
    [ModuleInitializer]
    internal static void RaiseThreadPoolMinimum() => ThreadPool.SetMinThreads(64, 64);
}
