using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>
/// The executable serving a listening socket its parent passed it: by number (<c>actornet.server.fd = N</c>, Node's
/// <c>listen({fd})</c>) and the way systemd's socket activation does (descriptor 3, <c>LISTEN_PID</c>,
/// <c>LISTEN_FDS</c>, <c>fd = systemd</c>).
/// </summary>
public sealed class InheritedListenerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(10);

    [Fact]
    public void Serves_a_socket_passed_by_descriptor_number_then_drains_and_exits_0_on_SIGTERM()
    {
        using var parent = ListeningSocket();
        var port = ((IPEndPoint)parent.LocalEndPoint!).Port;
        var fd = Inheritable(parent);
        using var server = StartAndForget(fd, ["actornet.server.fd=" + fd]);
        AssertServes(server, port);
    }

    [Fact]
    public void Serves_descriptor_3_when_systemd_socket_activation_names_this_process()
    {
        using var parent = ListeningSocket();
        var port = ((IPEndPoint)parent.LocalEndPoint!).Port;
        var fd = Inheritable(parent);
        // What systemd does for a socket unit: the socket at descriptor 3, LISTEN_PID = the service's own PID (the
        // shell's, which exec keeps), LISTEN_FDS = 1.
        using var server = StartAndForget(fd, ServiceUnitArguments(), info =>
        {
            info.FileName = "/bin/bash"; // dash takes single-digit descriptors only
            info.ArgumentList.Insert(0, "-c");
            info.ArgumentList.Insert(1, $"exec 3<&{fd} {fd}<&-; export LISTEN_PID=$$ LISTEN_FDS=1; exec dotnet \"$@\"");
            info.ArgumentList.Insert(2, "bash");
        });
        AssertServes(server, port);
    }

    [Fact]
    public void Fd_systemd_without_socket_activation_exits_2_naming_the_key()
    {
        using var server = ServerProcess.Start(["actornet.server.fd=systemd"], openFilesLimit: null,
            new Dictionary<string, string?> { ["LISTEN_PID"] = null, ["LISTEN_FDS"] = null });
        Assert.Equal(2, server.WaitForExit(Short));
        Assert.Contains("config error: actornet.server.fd: \"systemd\", but systemd passed no socket to this process (LISTEN_PID=unset",
            server.Output);
    }

    [Fact]
    public void A_descriptor_that_is_not_open_exits_1_with_EBADF_naming_it()
    {
        // High enough that nothing in the child has it open.
        using var server = ServerProcess.Start("actornet.server.fd=1000");
        Assert.Equal(1, server.WaitForExit(Short));
        Assert.Contains("listen EBADF", server.Output);
        Assert.Contains("fd 1000", server.Output);
    }

    // The arguments of ExecStart in the shipped example unit, so the example is what is tested.
    private static string[] ServiceUnitArguments()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "ActorNet.sln"))) root = root.Parent;
        var unit = Path.Combine(root?.FullName ?? throw new DirectoryNotFoundException("no ActorNet.sln above the tests"),
            "examples", "systemd", "actornet.service");
        var execStart = File.ReadLines(unit).Single(l => l.StartsWith("ExecStart=", StringComparison.Ordinal));
        var arguments = execStart["ExecStart=".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..];
        Assert.Contains("actornet.server.fd=systemd", arguments);
        return arguments;
    }

    private ServerProcess StartAndForget(int fd, string[] args, Action<ProcessStartInfo>? wrap = null)
    {
        try
        {
            // The port and backlog are the socket's own: these must not matter.
            return ServerProcess.Start([.. args, "actornet.server.port=1", "actornet.server.host=192.0.2.1"], openFilesLimit: null,
                environment: null, wrap);
        }
        finally
        {
            // The child has its copy; the parent's goes.
            close(fd);
        }
    }

    private void AssertServes(ServerProcess server, int port)
    {
        try
        {
            Assert.True(server.WaitForOutput($"Listening on 127.0.0.1:{port}", Short), $"not listening on {port}; output:\n{server.Output}");
            using (var client = Client.Connect(port))
                client.AssertEchoes("through an inherited socket\n", Short);
            server.Signal(ServerProcess.SIGTERM);
            Assert.Equal(0, server.WaitForExit(Short));
        }
        finally
        {
            output.WriteLine(server.Output);
        }
    }

    private static Socket ListeningSocket()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(64);
        return socket;
    }

    // A duplicate without close-on-exec, so the next child process inherits it at the same number.
    private static int Inheritable(Socket socket)
    {
        var fd = dup((int)socket.Handle);
        Assert.True(fd >= 0, $"dup failed: errno {Marshal.GetLastPInvokeError()}");
        Assert.Equal(0, fcntl(fd, FSetFd, 0));
        return fd;
    }

    private const int FSetFd = 2; // F_SETFD

    [DllImport("libc", SetLastError = true)]
    private static extern int dup(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int fcntl(int fd, int cmd, int arg);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
}
