using ActorNet.Tests.Support;
using Xunit.Abstractions;

namespace ActorNet.Tests;

// The executable's default transport is auto (epoll on Linux). The wire-level contract classes run again with
// transport = sockets (.NET's socket engine), which is what auto gives on other systems.

/// <summary>The sockets transport's config: the contract's block plus <c>transport = sockets</c>.</summary>
internal static class SocketsEngine
{
    public static ServerConfig Config => ServerConfig.Default.With("transport", "sockets");
}

public sealed class EchoTestsOnSocketsEngine(ITestOutputHelper output) : EchoTests(output)
{
    private protected override ServerConfig Base => SocketsEngine.Config;
}

public sealed class DiscardTestsOnSocketsEngine(ITestOutputHelper output) : DiscardTests(output)
{
    private protected override ServerConfig Base => SocketsEngine.Config;
}

public sealed class TallyTestsOnSocketsEngine(ITestOutputHelper output) : TallyTests(output)
{
    private protected override ServerConfig Base => SocketsEngine.Config;
}

public sealed class IdleTimeoutTestsOnSocketsEngine(ITestOutputHelper output) : IdleTimeoutTests(output)
{
    private protected override ServerConfig Base => SocketsEngine.Config;
}

public sealed class MaxConnectionsTestsOnSocketsEngine(ITestOutputHelper output) : MaxConnectionsTests(output)
{
    private protected override ServerConfig Base => SocketsEngine.Config;
}

public sealed class PauseOnConnectTestsOnSocketsEngine(ITestOutputHelper output) : PauseOnConnectTests(output)
{
    private protected override ServerConfig Base => SocketsEngine.Config;
}

public sealed class SocketOptionsTestsOnSocketsEngine(ITestOutputHelper output) : SocketOptionsTests(output)
{
    private protected override ServerConfig Base => SocketsEngine.Config;
}
