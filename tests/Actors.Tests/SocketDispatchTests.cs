using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using ActorNet.Dispatch;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary><see cref="SocketDispatch"/>: the socket dispatcher and mailbox, defined once per ActorSystem for servers and clients.</summary>
public sealed class SocketDispatchTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private static async Task WithSystem(string hocon, Action<ActorSystem> test)
    {
        var system = ActorSystem.Create("dispatch-test", ConfigurationFactory.ParseString(hocon));
        try
        {
            test(system);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public Task A_system_without_definitions_gets_the_dispatcher_and_mailbox_on_first_use_once() => WithSystem("", system =>
    {
        Assert.False(system.Settings.Config.HasPath(SocketDispatch.DispatcherId));
        var dispatch = SocketDispatch.Get(system);
        Assert.Same(dispatch, SocketDispatch.Get(system));
        Assert.Equal("ForkJoinDispatcher", system.Settings.Config.GetString($"{SocketDispatch.DispatcherId}.type"));
        Assert.Equal(Environment.ProcessorCount,
            system.Settings.Config.GetInt($"{SocketDispatch.DispatcherId}.dedicated-thread-pool.thread-count"));
        Assert.Equal("ActorNet.Dispatch.SocketMailboxType, ActorNet.Actors",
            system.Settings.Config.GetString($"{SocketMailboxType.MailboxId}.mailbox-type"));
        Assert.True(system.Dispatchers.HasDispatcher(SocketDispatch.DispatcherId));
    });

    [Fact]
    public Task A_dispatcher_the_user_defined_is_left_as_written_and_only_the_mailbox_is_added() => WithSystem("""
        actornet.socket-dispatcher { throughput = 7 }
        """, system =>
    {
        SocketDispatch.Get(system);
        // Nothing merged into the user's definition: no type, no thread pool of ours.
        Assert.False(system.Settings.Config.HasPath($"{SocketDispatch.DispatcherId}.type"));
        Assert.False(system.Settings.Config.HasPath($"{SocketDispatch.DispatcherId}.dedicated-thread-pool"));
        Assert.Equal(7, system.Settings.Config.GetInt($"{SocketDispatch.DispatcherId}.throughput"));
        Assert.True(system.Settings.Config.HasPath($"{SocketMailboxType.MailboxId}.mailbox-type"));
    });

    [Fact]
    public void Props_get_the_socket_dispatcher_and_mailbox()
    {
        var props = SocketDispatch.Get(Sys).WithSocketDispatcher(Props.Empty);
        Assert.Equal(SocketDispatch.DispatcherId, props.Dispatcher);
        Assert.Equal(SocketMailboxType.MailboxId, props.Mailbox);
    }

    [Fact]
    public void A_client_in_a_system_with_no_server_runs_on_the_dedicated_socket_dispatcher()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            Net.Connect(Sys, new ConnectOptions { Host = "127.0.0.1", Port = port }, new ThreadReporter(TestActor));
            using var accepted = listener.AcceptSocket();
            Assert.Contains(SocketDispatch.DispatcherId, ExpectMsg<string>());
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public void Net_connect_refuses_a_factory_that_is_neither_a_system_nor_a_context()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            Net.Connect(new OtherFactory(), new ConnectOptions { Port = 1 }, new DiscardHandler()));
        Assert.Equal("factory", e.ParamName);
    }

    private sealed class ThreadReporter(IActorRef probe) : IConnectionHandler
    {
        public void OnConnect(ISocket socket) => probe.Tell(Thread.CurrentThread.Name ?? "(unnamed pool thread)");

        public void OnData(ISocket socket, ReadOnlySpan<byte> data) { }
    }

    private sealed class OtherFactory : IActorRefFactory
    {
        public IActorRef ActorOf(Props props, string? name = null) => throw new NotSupportedException();

        public ActorSelection ActorSelection(ActorPath actorPath) => throw new NotSupportedException();

        public ActorSelection ActorSelection(string actorPath) => throw new NotSupportedException();
    }
}
