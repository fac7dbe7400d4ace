using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Akka.Actor;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Server;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>
/// A server on a descriptor it inherited (Node's <c>server.listen({fd})</c>, systemd socket activation): the test makes
/// the listening socket and hands the server a duplicate of its descriptor, as a parent process would.
/// </summary>
public sealed class InheritedListenerTests(ITestOutputHelper output) : ServerTestKit(output)
{
    public static TheoryData<string> DescriptorTransports() =>
        new(Transports.Where(t => t != "akka-io"));

    [Theory]
    [MemberData(nameof(DescriptorTransports))]
    public void Serves_a_listening_TCP_socket_it_inherited_and_reports_its_address(string transport)
    {
        using var parent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        parent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        parent.Listen(16);
        var (_, endPoint) = Listen(On(transport) with { Port = 1, ListenDescriptor = Dup(parent) });
        Assert.Equal(parent.LocalEndPoint, endPoint);

        using var client = Loopback.Connect(endPoint);
        client.Send("inherited"u8.ToArray());
        Assert.Equal("inherited", Encoding.ASCII.GetString(Loopback.ReadExactly(client, 9)));
    }

    [Theory]
    [MemberData(nameof(DescriptorTransports))]
    public void Serves_an_inherited_Unix_socket_and_leaves_its_file_alone(string transport)
    {
        var path = Path.Combine(Path.GetTempPath(), $"actornet-fd-{Guid.NewGuid():N}.sock");
        try
        {
            using var parent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            parent.Bind(new UnixDomainSocketEndPoint(path));
            parent.Listen(16);
            var (server, _) = Listen(On(transport) with { ListenDescriptor = Dup(parent) });

            using (var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                client.Connect(new UnixDomainSocketEndPoint(path));
                client.Send("unix"u8.ToArray());
                Assert.Equal("unix", Encoding.ASCII.GetString(Loopback.ReadExactly(client, 4)));
            }
            server.Tell(ServerProtocol.Close.Instance);
            FishForMessage(m => m is ServerProtocol.Closed, TimeSpan.FromSeconds(10));
            // Whoever made the socket owns its file.
            Assert.True(File.Exists(path), "the server removed a socket file it did not create");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [MemberData(nameof(DescriptorTransports))]
    public void A_socket_that_is_not_listening_is_an_EINVAL_error_naming_the_descriptor(string transport)
    {
        using var parent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        parent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var fd = Dup(parent);
        var error = ListenError(On(transport) with { ListenDescriptor = fd });
        Assert.Equal("EINVAL", error.Code);
        Assert.Equal($"fd {fd}", error.Address);
        Assert.Contains("not listening", error.Message);
    }

    [Theory]
    [MemberData(nameof(DescriptorTransports))]
    public void A_descriptor_that_is_not_a_socket_is_an_ENOTSOCK_error(string transport)
    {
        var file = Path.GetTempFileName();
        try
        {
            using var stream = File.OpenRead(file);
            var fd = dup((int)stream.SafeFileHandle.DangerousGetHandle());
            Assert.True(fd >= 0);
            var error = ListenError(On(transport) with { ListenDescriptor = fd });
            Assert.Equal("ENOTSOCK", error.Code);
            Assert.Equal($"fd {fd}", error.Address);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Akka_io_cannot_serve_an_inherited_socket_and_says_which_transports_can()
    {
        using var parent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        parent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        parent.Listen(16);
        var fd = Dup(parent);
        try
        {
            var error = ListenError(On("akka-io") with { ListenDescriptor = fd });
            Assert.Equal("ERR_TRANSPORT_UNSUPPORTED", error.Code);
            Assert.Contains("transport = sockets or epoll", error.Message);
        }
        finally
        {
            close(fd);
        }
    }

    private NetError ListenError(ServerOptions options)
    {
        var server = Sys.ActorOf(ServerActor.Props(options));
        server.Tell(ServerProtocol.Listen.Instance);
        return ExpectMsg<ServerProtocol.ServerError>(TimeSpan.FromSeconds(10)).Error;
    }

    // The server owns what it is given and closes it; the test's own socket keeps its descriptor.
    private static int Dup(Socket socket)
    {
        var fd = dup((int)socket.Handle);
        Assert.True(fd >= 0, $"dup failed: errno {Marshal.GetLastPInvokeError()}");
        return fd;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int dup(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
}
