using ActorNet.Tests.Support;
using Xunit.Abstractions;

namespace ActorNet.Tests;

// The same wire contract with actornet.server.transport = akka-io: every test of each base class runs again.

/// <summary>The akka-io transport's config: the contract's block plus <c>transport = akka-io</c>.</summary>
internal static class AkkaIo
{
    public static ServerConfig Config => ServerConfig.Default.With("transport", "akka-io");
}

public sealed class EchoTestsOnAkkaIo(ITestOutputHelper output) : EchoTests(output)
{
    private protected override ServerConfig Base => AkkaIo.Config;
}

public sealed class DiscardTestsOnAkkaIo(ITestOutputHelper output) : DiscardTests(output)
{
    private protected override ServerConfig Base => AkkaIo.Config;
}

public sealed class TallyTestsOnAkkaIo(ITestOutputHelper output) : TallyTests(output)
{
    private protected override ServerConfig Base => AkkaIo.Config;
}

public sealed class IdleTimeoutTestsOnAkkaIo(ITestOutputHelper output) : IdleTimeoutTests(output)
{
    private protected override ServerConfig Base => AkkaIo.Config;
}

public sealed class MaxConnectionsTestsOnAkkaIo(ITestOutputHelper output) : MaxConnectionsTests(output)
{
    private protected override ServerConfig Base => AkkaIo.Config;
}

public sealed class PauseOnConnectTestsOnAkkaIo(ITestOutputHelper output) : PauseOnConnectTests(output)
{
    private protected override ServerConfig Base => AkkaIo.Config;
}

public sealed class ReadinessTestsOnAkkaIo(ITestOutputHelper output) : ReadinessTests(output)
{
    private protected override ServerConfig Base => AkkaIo.Config;
}

public sealed class ShutdownTestsOnAkkaIo(ITestOutputHelper output) : ShutdownTests(output)
{
    private protected override ServerConfig Base => AkkaIo.Config;
}

public sealed class ShutdownDeadlineTestsOnAkkaIo(ITestOutputHelper output) : ShutdownDeadlineTests(output)
{
    private protected override ServerConfig Base => AkkaIo.Config;
}

public sealed class SocketOptionsTestsOnAkkaIo(ITestOutputHelper output) : SocketOptionsTests(output)
{
    private protected override ServerConfig Base => AkkaIo.Config;
}
