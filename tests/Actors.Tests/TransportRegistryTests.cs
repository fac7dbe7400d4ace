using Akka.Configuration;
using ActorNet.Options;
using ActorNet.Server;
using ActorNet.Tests.Support;
using ActorNet.Transport.AkkaIo;
using ActorNet.Transport.InMemory;
using ActorNet.Transport.Sockets;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary><see cref="TransportRegistry"/>: the one list of transport names, what auto means here, and what each name makes.</summary>
public sealed class TransportRegistryTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private static readonly string AutoHere = SocketsTransport.EpollSupported ? "epoll" : "sockets";

    [Fact]
    public void The_names_are_sockets_epoll_auto_akka_io_and_in_memory() =>
        Assert.Equal(["sockets", "epoll", "auto", "akka-io", "in-memory"], TransportRegistry.Names);

    [Fact]
    public void An_unknown_transport_is_refused_naming_the_key_and_listing_exactly_the_registered_names()
    {
        var e = Assert.Throws<ConfigException>(() =>
            ServerOptionsReader.Read(ConfigurationFactory.ParseString("actornet.server.transport = carrier-pigeon")));
        Assert.Equal("actornet.server.transport", e.Key);
        Assert.Equal($"actornet.server.transport: unknown transport \"carrier-pigeon\" (expected one of: {string.Join(", ", TransportRegistry.Names)})",
            e.Message);
    }

    [Fact]
    public void Auto_resolves_to_epoll_where_this_machine_has_it_and_to_sockets_elsewhere()
    {
        Assert.Equal(AutoHere, TransportRegistry.Resolve("auto"));
        Assert.Equal(AutoHere, ServerOptionsReader.Read(ConfigurationFactory.ParseString("actornet.server.transport = auto")).Transport);
    }

    [Theory]
    [InlineData("sockets")]
    [InlineData("akka-io")]
    [InlineData("in-memory")]
    public void Every_other_name_resolves_to_itself(string name) => Assert.Equal(name, TransportRegistry.Resolve(name));

    [Fact]
    public void Epoll_resolves_where_this_machine_has_it_and_is_refused_elsewhere()
    {
        if (SocketsTransport.EpollSupported) Assert.Equal("epoll", TransportRegistry.Resolve("epoll"));
        else Assert.StartsWith("epoll needs Linux on x64 or arm64", Assert.Throws<ArgumentException>(() => TransportRegistry.Resolve("epoll")).Message);
    }

    [Fact]
    public void Each_name_makes_its_transport()
    {
        var options = new ServerOptions();
        Assert.Same(SocketsTransport.Instance, TransportRegistry.Create("sockets", Sys, options));
        Assert.Same(InMemoryTransport.Instance, TransportRegistry.Create("in-memory", Sys, options));
        Assert.IsType<AkkaIoTransport>(TransportRegistry.Create("akka-io", Sys, options));
        Assert.Same(SocketsTransport.EpollSupported ? SocketsTransport.Epoll : SocketsTransport.Instance,
            TransportRegistry.Create("auto", Sys, options));
        if (SocketsTransport.EpollSupported) Assert.Same(SocketsTransport.Epoll, TransportRegistry.Create("epoll", Sys, options));
    }

    [Fact]
    public void Props_refuses_an_unknown_transport_listing_the_names()
    {
        var e = Assert.Throws<ArgumentException>(() => ServerActor.Props(Loopback0 with { Transport = "carrier-pigeon" }));
        Assert.Contains($"(expected one of: {string.Join(", ", TransportRegistry.Names)})", e.Message);
    }

    [Fact]
    public void A_server_configured_with_auto_listens_on_the_transport_auto_stands_for()
    {
        var (_, endPoint) = Listen(Loopback0 with { Transport = "auto" });
        using var client = Loopback.Connect(endPoint);
        client.Send("ping"u8);
        Assert.Equal("ping"u8.ToArray(), Loopback.ReadExactly(client, 4));
    }
}
