using System.Net.Sockets;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.TestKit;
using ActorNet.Connection;
using ActorNet.Handlers;
using ActorNet.Options;
using ActorNet.Protocol;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>
/// docs/socket-states.md is the socket's state table: every cell is driven here through a socket actor on a scripted
/// transport, and the next state (and the error code the cell names) must be what the table says.
/// </summary>
public sealed partial class SocketStateTableTests(ITestOutputHelper output) : ServerTestKit(output)
{
    private static readonly string[] States = ["connecting", "open", "read-ended", "write-ended"];

    // How each input of the table is made; the table's rows must be exactly these.
    private static readonly Dictionary<string, Action<Cell>> Inputs = new()
    {
        ["Connected"] = c => c.Socket.Tell(new TransportSignal.ConnectSucceeded(new ScriptedConnection(c.Calls.Ref))),
        ["ConnectFailed"] = c => c.Socket.Tell(new TransportSignal.ConnectFailed(new NetError("ECONNREFUSED", "connect", "connection refused"))),
        ["Received"] = c =>
        {
            c.Connection.Feed("abc"u8.ToArray());
            c.Socket.Tell(TransportSignal.Readable.Instance);
        },
        ["PeerClosed, allow-half-open off"] = PeerClosed,
        ["PeerClosed, allow-half-open on"] = PeerClosed,
        ["Failed"] = c => c.Socket.Tell(new TransportSignal.Failed(SocketError.ConnectionReset, "read")),
        ["Sent"] = c =>
        {
            // Something must be in flight first: the kernel takes nothing, so the write goes to the queue.
            c.Connection.KernelSpace = 0;
            c.Socket.Tell(new SocketProtocol.Write("xyz"u8.ToArray()));
            c.Calls.FishForMessage(m => m is "send-async 3");
            c.Socket.Tell(new TransportSignal.Sent(3));
        },
        ["Timeout"] = c =>
        {
            c.Socket.Tell(new SocketProtocol.SetTimeout(TimeSpan.FromMilliseconds(20)));
            c.Events.FishForMessage(m => m is SocketProtocol.TimedOut, TimeSpan.FromSeconds(5));
        },
        ["PeerFinOverdue"] = c => c.Socket.Tell(SocketActor.PeerFinOverdue.Instance),
        ["Shutdown Drain"] = c => c.Socket.Tell(new SocketInput.Shutdown(ShutdownReason.Drain)),
        ["Shutdown Abort"] = c => c.Socket.Tell(new SocketInput.Shutdown(ShutdownReason.Abort)),
        ["Write"] = c => c.Socket.Tell(new SocketProtocol.Write("w"u8.ToArray())),
        ["Offer"] = c => c.Socket.Tell(new SocketProtocol.Offer("o"u8.ToArray())),
        ["End"] = c => c.Socket.Tell(SocketProtocol.End.Instance),
        ["Destroy"] = c => c.Socket.Tell(SocketProtocol.Destroy.Instance),
        ["Pause"] = c => c.Socket.Tell(SocketProtocol.Pause.Instance),
        ["Resume"] = c => c.Socket.Tell(SocketProtocol.Resume.Instance),
    };

    private static void PeerClosed(Cell c)
    {
        c.Connection.FeedEof();
        c.Socket.Tell(TransportSignal.Readable.Instance);
    }

    [Fact]
    public void The_table_has_a_row_for_every_input_and_a_column_for_every_live_state()
    {
        var table = ReadTable();
        Assert.Equal(States, table.Columns);
        Assert.Equal(Inputs.Keys.Order(), table.Rows.Keys.Order());
    }

    public static TheoryData<string, string> Cells()
    {
        var data = new TheoryData<string, string>();
        var table = ReadTable();
        foreach (var (input, cells) in table.Rows)
            for (var i = 0; i < States.Length; i++)
                if (cells[i] != "—") data.Add(input, States[i]);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void Each_cell_of_the_table_is_what_the_socket_does(string input, string state)
    {
        var text = ReadTable().Rows[input][Array.IndexOf(States, state)];
        var expected = Next(text, state);
        var cell = Enter(state, allowHalfOpen: input.EndsWith("allow-half-open on") || state == "read-ended");
        Inputs[input](cell);
        if (expected == "closed")
        {
            cell.Watcher.ExpectTerminated(cell.Socket, TimeSpan.FromSeconds(5));
            if (ErrorCode(text) is { } code)
                cell.Events.FishForMessage(m => m is SocketProtocol.ErrorOccurred e && e.Error.Code == code, TimeSpan.FromSeconds(1));
            return;
        }
        cell.Socket.Tell(SocketProtocol.GetInfo.Instance, cell.Info.Ref);
        Assert.Equal(expected, cell.Info.ExpectMsg<SocketProtocol.SocketInfo>().State);
    }

    private sealed record Cell(IActorRef Socket, ScriptedConnection Connection, TestProbe Calls, TestProbe Events, TestProbe Info, TestProbe Watcher);

    // Brings a fresh socket actor into one of the table's states.
    private Cell Enter(string state, bool allowHalfOpen)
    {
        var calls = CreateTestProbe();
        var events = CreateTestProbe();
        var settings = ConnectionSettings.From(Loopback0 with { AllowHalfOpen = allowHalfOpen });
        var connection = new ScriptedConnection(calls.Ref);
        IActorRef socket;
        if (state == "connecting")
        {
            socket = Sys.ActorOf(SocketActor.ClientProps(new ScriptedConnector(calls.Ref), new ForwardingHandler(events.Ref), settings, 1));
            calls.ExpectMsg("connect");
        }
        else
        {
            socket = Sys.ActorOf(SocketActor.Props(connection, new ForwardingHandler(events.Ref), settings, 1));
            events.ExpectMsg<SocketProtocol.Connected>();
            calls.ExpectMsg("wait-readable");
        }
        if (state == "read-ended")
        {
            PeerClosed(new Cell(socket, connection, calls, events, CreateTestProbe(), CreateTestProbe()));
            events.FishForMessage(m => m is SocketProtocol.Ended);
        }
        if (state == "write-ended")
        {
            socket.Tell(SocketProtocol.End.Instance);
            calls.FishForMessage(m => m is "shutdown");
        }
        var info = CreateTestProbe();
        socket.Tell(SocketProtocol.GetInfo.Instance, info.Ref);
        Assert.Equal(state, info.ExpectMsg<SocketProtocol.SocketInfo>().State);
        var watcher = CreateTestProbe();
        watcher.Watch(socket);
        return new Cell(socket, connection, calls, events, info, watcher);
    }

    // "→ state: ..." or "stays: ..." (or just "stays").
    private static string Next(string cell, string state)
    {
        if (cell.StartsWith("stays")) return state;
        var match = Arrow().Match(cell);
        Assert.True(match.Success, $"cell \"{cell}\" says neither \"stays\" nor \"→ state\"");
        return match.Groups[1].Value;
    }

    // The first error code a closing cell names, e.g. `ECONNRESET`.
    private static string? ErrorCode(string cell) => Code().Match(cell) is { Success: true } m ? m.Groups[1].Value : null;

    private sealed record Table(string[] Columns, Dictionary<string, string[]> Rows);

    private static Table ReadTable()
    {
        var lines = File.ReadAllLines(Path.Combine(RepoRoot(), "docs", "socket-states.md"));
        var header = Array.FindIndex(lines, l => l.StartsWith("| input |"));
        Assert.True(header >= 0, "docs/socket-states.md has no table whose header starts with \"| input |\"");
        var columns = Split(lines[header])[1..];
        var rows = new Dictionary<string, string[]>();
        for (var i = header + 2; i < lines.Length && lines[i].StartsWith('|'); i++)
        {
            var cells = Split(lines[i]);
            Assert.Equal(columns.Length + 1, cells.Length);
            rows.Add(cells[0], cells[1..]);
        }
        return new Table(columns, rows);
    }

    private static string[] Split(string row) => row.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ActorNet.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("ActorNet.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^→ ([a-z-]+)")]
    private static partial Regex Arrow();

    [GeneratedRegex(@"`(E[A-Z]+|ERR_[A-Z_]+)`")]
    private static partial Regex Code();
}
