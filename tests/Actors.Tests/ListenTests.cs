using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Akka.Actor;
using ActorNet.Protocol;
using ActorNet.Server;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

public sealed class ListenTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private static void AssertEchoes(EndPoint endPoint)
    {
        using var client = Loopback.Connect(endPoint);
        client.Send("ping"u8.ToArray());
        Assert.Equal("ping", Encoding.ASCII.GetString(Loopback.ReadExactly(client, 4)));
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void Port_zero_picks_a_free_port_and_Listening_reports_it(string transport)
    {
        var (_, endPoint) = Listen(On(transport));
        Assert.NotEqual(0, PortOf(endPoint));
        AssertEchoes(endPoint);
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void A_port_in_use_is_an_EADDRINUSE_error_naming_address_and_port(string transport)
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;
        var server = Sys.ActorOf(ServerActor.Props(On(transport) with { Port = port }));
        server.Tell(ServerProtocol.Listen.Instance);
        var error = ExpectMsg<ServerProtocol.ServerError>().Error;
        Assert.Equal("EADDRINUSE", error.Code);
        Assert.Equal("listen", error.Syscall);
        Assert.Equal("127.0.0.1", error.Address);
        Assert.Equal(port, error.Port);
        Assert.Equal($"listen EADDRINUSE: address already in use 127.0.0.1:{port}", error.ToString());
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void An_address_not_on_this_host_is_an_EADDRNOTAVAIL_error(string transport)
    {
        // TEST-NET-1 (RFC 5737) is never a local address; nothing is sent to it, bind just fails.
        var server = Sys.ActorOf(ServerActor.Props(On(transport) with { Host = "192.0.2.1" }));
        server.Tell(ServerProtocol.Listen.Instance);
        ExpectMsg<ServerProtocol.ServerError>(e => Assert.Equal("EADDRNOTAVAIL", e.Error.Code));
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void Listening_twice_is_ERR_SERVER_ALREADY_LISTEN(string transport)
    {
        var (server, _) = Listen(On(transport));
        server.Tell(ServerProtocol.Listen.Instance);
        ExpectMsg<ServerProtocol.ServerError>(e => Assert.Equal("ERR_SERVER_ALREADY_LISTEN", e.Error.Code));
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void The_any_address_is_dual_stack_and_IPv4_peers_appear_as_mapped_addresses(string transport)
    {
        var (_, endPoint) = Listen(On(transport) with { Host = "::" }, () => new ReportingEcho(TestActor));
        var port = PortOf(endPoint);
        AssertEchoes(new IPEndPoint(IPAddress.Loopback, port));
        var v4 = ExpectMsg<Opened>().Socket;
        Assert.Equal(IPAddress.Parse("::ffff:127.0.0.1"), ((IPEndPoint)v4.RemoteEndPoint!).Address);
        ExpectMsg<SocketProtocol.Closed>();
        if (Socket.OSSupportsIPv6)
        {
            AssertEchoes(new IPEndPoint(IPAddress.IPv6Loopback, port));
            var v6 = ExpectMsg<Opened>().Socket;
            Assert.Equal(IPAddress.IPv6Loopback, ((IPEndPoint)v6.RemoteEndPoint!).Address);
        }
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void A_host_name_is_resolved_before_listening(string transport)
    {
        var (_, endPoint) = Listen(On(transport) with { Host = "localhost" });
        Assert.True(IPAddress.IsLoopback(((IPEndPoint)endPoint).Address));
        AssertEchoes(endPoint);
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void A_host_name_that_does_not_resolve_is_an_ENOTFOUND_error(string transport)
    {
        var server = Sys.ActorOf(ServerActor.Props(On(transport) with { Host = "no-such-host.invalid" }));
        server.Tell(ServerProtocol.Listen.Instance);
        ExpectMsg<ServerProtocol.ServerError>(e =>
        {
            Assert.Equal("ENOTFOUND", e.Error.Code);
            Assert.Equal("no-such-host.invalid", e.Error.Address);
        }, TimeSpan.FromSeconds(15));
    }

    [Fact]
    public void A_unix_socket_path_serves_removes_a_stale_file_first_and_its_file_on_close()
    {
        var path = Path.Combine(Path.GetTempPath(), $"actornet-{Guid.NewGuid():N}.sock");
        // A stale socket file: bound once, never listening any more.
        LeaveStaleSocketFile(path);
        Assert.True(File.Exists(path));
        var (server, endPoint) = Listen(Loopback0 with { Path = path });
        AssertEchoes(new UnixDomainSocketEndPoint(path));
        server.Tell(ServerProtocol.Close.Instance);
        ExpectMsg<ServerProtocol.Unbound>();
        ExpectMsg<ServerProtocol.Closed>();
        Assert.False(File.Exists(path));
        _ = endPoint;
    }

    // A crash leaves the file. Made with libc alone: a managed Socket bound to the path would delete the file when
    // it is finalized, at a random GC, possibly after the server under test bound the same path (seen in CI).
    private static void LeaveStaleSocketFile(string path)
    {
        const int afUnix = 1, sockStream = 1;
        var fd = socket(afUnix, sockStream, 0);
        Assert.True(fd >= 0, $"socket: errno {Marshal.GetLastPInvokeError()}");
        // struct sockaddr_un: sa_family_t (2 bytes) then the NUL-terminated path.
        var address = new byte[2 + 108];
        BitConverter.TryWriteBytes(address.AsSpan(0, 2), (ushort)afUnix);
        var written = Encoding.UTF8.GetBytes(path, address.AsSpan(2, 107));
        var bound = bind(fd, address, 2 + written + 1);
        var error = Marshal.GetLastPInvokeError();
        Assert.Equal(0, close(fd));
        Assert.True(bound == 0, $"bind {path}: errno {error}");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int socket(int domain, int type, int protocol);

    [DllImport("libc", SetLastError = true)]
    private static extern int bind(int fd, byte[] address, int length);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);

    [Fact]
    public void A_unix_socket_path_in_use_is_EADDRINUSE()
    {
        var path = Path.Combine(Path.GetTempPath(), $"actornet-{Guid.NewGuid():N}.sock");
        var (first, _) = Listen(Loopback0 with { Path = path });
        var second = Sys.ActorOf(ServerActor.Props(Loopback0 with { Path = path }));
        second.Tell(ServerProtocol.Listen.Instance);
        ExpectMsg<ServerProtocol.ServerError>(e => Assert.Equal("EADDRINUSE", e.Error.Code));
        first.Tell(ServerProtocol.Close.Instance);
        ExpectMsg<ServerProtocol.Unbound>();
        ExpectMsg<ServerProtocol.Closed>();
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void Reuse_port_lets_two_servers_share_a_port(string transport)
    {
        var (_, endPoint) = Listen(On(transport) with { ReusePort = true });
        var second = Sys.ActorOf(ServerActor.Props(On(transport) with { ReusePort = true, Port = PortOf(endPoint) }));
        second.Tell(ServerProtocol.Listen.Instance);
        ExpectMsg<ServerProtocol.Listening>(l => Assert.Equal(PortOf(endPoint), PortOf(l.EndPoint)));
        AssertEchoes(endPoint);
    }

    [Theory]
    [MemberData(nameof(SocketTransports))]
    public void Without_reuse_port_a_second_server_on_the_same_port_fails(string transport)
    {
        var (_, endPoint) = Listen(On(transport));
        var second = Sys.ActorOf(ServerActor.Props(On(transport) with { Port = PortOf(endPoint) }));
        second.Tell(ServerProtocol.Listen.Instance);
        ExpectMsg<ServerProtocol.ServerError>(e => Assert.Equal("EADDRINUSE", e.Error.Code));
    }
}
