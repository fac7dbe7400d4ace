using System.Text;
using Akka.Actor;
using Akka.Configuration;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Server;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary><see cref="HandlerRegistry"/>: the one list of handler names the reader checks and a server creates from.</summary>
public sealed class HandlerRegistryTests(ITestOutputHelper output) : ServerTestKit(output)
{
    /// <summary>Answers every connection with "hi\n" and ends: a handler only a host knows.</summary>
    private sealed class Greeter : IConnectionHandler
    {
        public void OnData(ISocket socket, ReadOnlySpan<byte> data) { }

        public void OnEnd(ISocket socket)
        {
            socket.Write("hi\n"u8);
            socket.End();
        }
    }

    private static ConfigException ReadHandler(string name, HandlerRegistry? handlers = null) =>
        Assert.Throws<ConfigException>(() =>
            ServerOptionsReader.Read(ConfigurationFactory.ParseString($"actornet.server.handler = {name}"), handlers));

    /// <summary>The names between "(expected one of: " and ")".</summary>
    private static string[] ListedNames(string message)
    {
        const string marker = "(expected one of: ";
        var start = message.IndexOf(marker, StringComparison.Ordinal) + marker.Length;
        return message[start..message.IndexOf(')', start)].Split(", ");
    }

    [Fact]
    public void The_built_in_registry_has_echo_discard_and_tally_making_their_handlers()
    {
        Assert.Equal(["echo", "discard", "tally"], HandlerRegistry.BuiltIn.Names);
        Assert.IsType<EchoHandler>(HandlerRegistry.BuiltIn.Find("echo")!());
        Assert.IsType<DiscardHandler>(HandlerRegistry.BuiltIn.Find("discard")!());
        Assert.IsType<TallyHandler>(HandlerRegistry.BuiltIn.Find("tally")!());
        Assert.Null(HandlerRegistry.BuiltIn.Find("chat"));
    }

    [Fact]
    public void An_unknown_handler_is_refused_listing_exactly_the_built_in_names()
    {
        var e = ReadHandler("chat");
        Assert.Equal("actornet.server.handler", e.Key);
        Assert.Equal(HandlerRegistry.BuiltIn.Names, ListedNames(e.Message));
    }

    [Fact]
    public void An_unknown_handler_is_refused_listing_exactly_the_names_of_the_registry_given()
    {
        var handlers = HandlerRegistry.BuiltIn.With("greet", static () => new Greeter()).With("chat", static () => new Greeter());
        var e = ReadHandler("shout", handlers);
        Assert.Equal(["echo", "discard", "tally", "greet", "chat"], ListedNames(e.Message));
        // Registered names pass, built-in or not.
        Assert.Equal("greet", ServerOptionsReader.Read(ConfigurationFactory.ParseString("actornet.server.handler = greet"), handlers).Handler);
    }

    [Fact]
    public void With_returns_a_new_registry_and_leaves_the_original_as_it_was()
    {
        var more = HandlerRegistry.BuiltIn.With("greet", static () => new Greeter());
        Assert.Equal(["echo", "discard", "tally"], HandlerRegistry.BuiltIn.Names);
        Assert.Null(HandlerRegistry.BuiltIn.Find("greet"));
        Assert.IsType<Greeter>(more.Find("greet")!());
        Assert.Empty(HandlerRegistry.Empty.Names);
    }

    [Theory]
    [InlineData("echo")]
    [InlineData("")]
    [InlineData("Greet")]
    [InlineData(" greet")]
    public void A_taken_empty_upper_case_or_padded_name_is_refused(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => HandlerRegistry.BuiltIn.With(name, static () => new Greeter()));
        Assert.Equal("name", e.ParamName);
    }

    [Fact]
    public void Props_refuses_a_handler_the_registry_does_not_have_listing_the_registered_names()
    {
        var e = Assert.Throws<ArgumentException>(() => ServerActor.Props(Loopback0 with { Handler = "greet" }, HandlerRegistry.BuiltIn));
        Assert.Contains("(registered: echo, discard, tally)", e.Message);
    }

    [Fact]
    public void A_server_serves_a_host_registered_handler_named_in_its_config()
    {
        var handlers = HandlerRegistry.BuiltIn.With("greet", static () => new Greeter());
        var options = ServerOptionsReader.Read(ConfigurationFactory.ParseString("""
            actornet.server { host = "127.0.0.1", port = 0, handler = greet }
            """), handlers);
        var server = Sys.ActorOf(ServerActor.Props(options, handlers));
        server.Tell(ServerProtocol.Listen.Instance, TestActor);
        var listening = ExpectMsg<ServerProtocol.Listening>(TimeSpan.FromSeconds(10));

        using var client = Loopback.Connect(listening.EndPoint);
        client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        Assert.Equal("hi\n", Encoding.ASCII.GetString(Loopback.ReadToEnd(client)));
    }
}
