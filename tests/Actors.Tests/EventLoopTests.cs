using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Dispatch;
using Akka.TestKit.Xunit2;
using ActorNet.Dispatch;
using ActorNet.Transport;
using ActorNet.Handlers;
using ActorNet.Protocol;
using ActorNet.Server;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>Socket actors on the event-loop dispatcher (mailboxes run on the calling thread), as the executable runs them.</summary>
public sealed class EventLoopTests(ITestOutputHelper output) : TestKit(Config, output)
{
    private const string Config = """
        akka.loglevel = INFO
        akka.log-dead-letters = off
        actornet.socket-dispatcher {
          type = Dispatcher
          executor = "ActorNet.Dispatch.EventLoopExecutorConfigurator, ActorNet.Actors"
          throughput = 64
        }
        """;

    [Fact]
    public void On_an_IO_thread_a_mailbox_scheduled_while_one_runs_runs_right_after_it_not_inside_it()
    {
        var executor = new EventLoopExecutor("test");
        var order = new List<string>();
        var threads = new HashSet<int>();
        using (IoThreadScope.Enter())
        {
            executor.Execute(new Step(() =>
            {
                threads.Add(Environment.CurrentManagedThreadId);
                order.Add("outer start");
                executor.Execute(new Step(() =>
                {
                    threads.Add(Environment.CurrentManagedThreadId);
                    order.Add("inner");
                    executor.Execute(new Step(() => order.Add("innermost")));
                }));
                order.Add("outer end");
            }));
            Assert.Equal(["outer start", "outer end", "inner", "innermost"], order);
            Assert.Equal([Environment.CurrentManagedThreadId], threads);
            // The trampoline is empty again: the next one runs at once.
            executor.Execute(new Step(() => order.Add("next")));
            Assert.Equal("next", order[^1]);
        }
    }

    [Fact]
    public void From_a_thread_that_is_not_doing_IO_a_mailbox_goes_to_the_thread_pool()
    {
        // E.g. Akka's scheduler firing a timer, or a parent creating the actor: their work must not run it inline.
        var executor = new EventLoopExecutor("test");
        var ranOn = -1;
        using var done = new ManualResetEventSlim();
        executor.Execute(new Step(() =>
        {
            ranOn = Environment.CurrentManagedThreadId;
            done.Set();
        }));
        Assert.True(done.Wait(TimeSpan.FromSeconds(5)));
        Assert.NotEqual(Environment.CurrentManagedThreadId, ranOn);
    }

    [Fact]
    public void One_IO_thread_runs_at_most_a_budget_of_mailboxes_in_a_row_and_hands_the_rest_to_the_pool()
    {
        var executor = new EventLoopExecutor("test");
        var caller = Environment.CurrentManagedThreadId;
        var inline = 0;
        const int Extra = 10;
        // Not disposed: if an assertion below fails, runs still queued on the pool would signal a disposed event and
        // take the whole test host down with them.
        var elsewhere = new CountdownEvent(Extra);
        using (IoThreadScope.Enter())
        {
            executor.Execute(new Step(() =>
            {
                for (var i = 0; i < EventLoopExecutor.MaxRunsPerTurn - 1 + Extra; i++)
                    executor.Execute(new Step(() =>
                    {
                        if (Environment.CurrentManagedThreadId == caller) inline++;
                        else elsewhere.Signal();
                    }));
            }));
        }
        Assert.Equal(EventLoopExecutor.MaxRunsPerTurn - 1, inline);
        Assert.True(elsewhere.Wait(TimeSpan.FromSeconds(5)), "the runs over the budget did not run on the pool");
    }

    [Fact]
    public void Echo_on_the_event_loop_dispatcher_is_byte_exact_for_64_MiB()
    {
        var (_, endPoint) = Listen(HandlerRegistry.BuiltIn.Find("echo")!);
        using var client = Loopback.Connect(endPoint);
        const int total = 64 * 1024 * 1024;
        var chunk = Loopback.Pattern(1024 * 1024 - 1);
        var sender = Task.Run(() =>
        {
            for (var sent = 0; sent < total; sent += chunk.Length)
                client.Send(chunk, 0, Math.Min(chunk.Length, total - sent), SocketFlags.None);
            client.Shutdown(SocketShutdown.Send);
        });
        var buffer = new byte[256 * 1024];
        long received = 0;
        while (true)
        {
            var n = client.Receive(buffer);
            if (n == 0) break;
            for (var i = 0; i < n; i++)
                Assert.Equal(chunk[(received + i) % chunk.Length], buffer[i]);
            received += n;
        }
        Assert.True(sender.Wait(Loopback.Wait));
        Assert.Equal(total, received);
    }

    [Fact]
    public void Socket_actors_telling_each_other_on_the_event_loop_deliver_every_line_to_every_peer()
    {
        const int Clients = 20;
        var room = new ConcurrentDictionary<IActorRef, bool>();
        var (server, endPoint) = Listen(() => new Relay(room));
        var clients = Enumerable.Range(0, Clients).Select(_ => Loopback.Connect(endPoint)).ToArray();
        AwaitAssert(() => Assert.Equal(Clients, room.Count), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(20));
        for (var i = 0; i < Clients; i++) clients[i].Send(Encoding.ASCII.GetBytes($"{i:D2}\n"));
        // Each client gets the 19 other lines (3 bytes each), in some order.
        for (var i = 0; i < Clients; i++)
        {
            var lines = Encoding.ASCII.GetString(Loopback.ReadExactly(clients[i], 3 * (Clients - 1)))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).Order();
            Assert.Equal(Enumerable.Range(0, Clients).Where(j => j != i), lines);
        }
        foreach (var client in clients) client.Dispose();
        server.Tell(ServerProtocol.ForceClose.Instance);
    }

    private (IActorRef Server, System.Net.EndPoint EndPoint) Listen(Func<IConnectionHandler> handler)
    {
        var server = Sys.ActorOf(ServerActor.Props(new Options.ServerOptions { Host = "127.0.0.1", Port = 0 }, handler));
        server.Tell(ServerProtocol.Listen.Instance);
        return (server, ExpectMsg<ServerProtocol.Listening>(TimeSpan.FromSeconds(10)).EndPoint);
    }

    private sealed class Step(Action action) : IRunnable
    {
        public void Run() => action();

        public void Execute() => Run();

    }

    /// <summary>Every line a socket reads is written to every other socket in the room (a tell between socket actors).</summary>
    private sealed class Relay(ConcurrentDictionary<IActorRef, bool> room) : IConnectionHandler
    {
        public void OnConnect(ISocket socket) => room[socket.Self] = true;

        public void OnData(ISocket socket, ReadOnlySpan<byte> data)
        {
            var copy = data.ToArray();
            foreach (var peer in room.Keys)
                if (!peer.Equals(socket.Self)) peer.Tell(new SocketProtocol.Write(copy));
        }

        public void OnEnd(ISocket socket) => socket.End();

        public void OnClose(ISocket socket, bool hadError) => room.TryRemove(socket.Self, out _);
    }
}

/// <summary>Embedded with no dispatcher configured, socket actors get a dedicated pool, not the shared thread pool.</summary>
public sealed class DefaultSocketDispatcherTests(ITestOutputHelper output) : ServerTestKit(output)
{
    [Fact]
    public void Without_configuration_socket_actors_run_on_the_dedicated_socket_dispatcher()
    {
        var (_, endPoint) = Listen(Loopback0, () => new ThreadReporter(TestActor));
        using var client = Loopback.Connect(endPoint);
        var thread = ExpectMsg<string>();
        Assert.Contains("actornet.socket-dispatcher", thread);
    }

    private sealed class ThreadReporter(IActorRef probe) : IConnectionHandler
    {
        public void OnConnect(ISocket socket) => probe.Tell(Thread.CurrentThread.Name ?? "(unnamed pool thread)");

        public void OnData(ISocket socket, ReadOnlySpan<byte> data) { }
    }
}
