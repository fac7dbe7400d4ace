using System.Buffers.Binary;
using System.Net;
using System.Text.RegularExpressions;
using ActorNet.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorNet.Tests;

/// <summary>
/// docs/proxy-protocol.md, black-box: the executable behind a proxy (<c>actornet.server.proxy-protocol</c> in its
/// config file), a client that writes the PROXY header by hand, and what the log says about it.
/// </summary>
public sealed class ProxyProtocolTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ExitWithin = TimeSpan.FromSeconds(30);

    // A v2 PROXY header for TCP over IPv4 from 203.0.113.7:4242 to 198.51.100.1:7000, with one TLV (AWS NLB's kind).
    private static byte[] V2Header()
    {
        byte[] tlv = [0xEA, 0x00, 0x05, 0x01, (byte)'v', (byte)'p', (byte)'c', (byte)'e'];
        var header = new byte[16 + 12 + tlv.Length];
        byte[] signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];
        signature.CopyTo(header, 0);
        header[12] = 0x21;
        header[13] = 0x11;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), (ushort)(12 + tlv.Length));
        IPAddress.Parse("203.0.113.7").GetAddressBytes().CopyTo(header, 16);
        IPAddress.Parse("198.51.100.1").GetAddressBytes().CopyTo(header, 20);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(24), 4242);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(26), 7000);
        tlv.CopyTo(header, 28);
        return header;
    }

    [Fact]
    public void With_proxy_protocol_on_a_v2_header_names_the_client_in_the_connection_log_and_the_data_after_it_is_echoed()
    {
        using var server = ServerProcess.StartReady(ServerConfig.Default.With("proxy-protocol", "on"), output, null, "akka.loglevel=DEBUG");
        using var client = Client.Connect(server.Port);
        client.Send([.. V2Header(), .. "hello\n"u8]);
        Assert.Equal("hello\n", client.ReadString(6, Short));
        Assert.True(server.WaitForOutput("open from 203.0.113.7:4242", Short), $"no connection line naming the header's client:\n{server.Output}");
        Assert.Contains(", PROXY protocol)", server.Output);
    }

    [Fact]
    public void A_connection_without_a_header_is_reset_and_logged_once_at_Info_while_a_proxied_one_is_served()
    {
        using var server = ServerProcess.StartReady(ServerConfig.Default.With("proxy-protocol", "on"), output);
        using var proxied = Client.Connect(server.Port);
        proxied.Send(V2Header());

        using var direct = Client.Connect(server.Port);
        direct.Send("GET / HTTP/1.0\r\n\r\n");
        Assert.Equal(End.Reset, direct.ReadToEnd(Short).End);
        var line = $"PROXY header rejected from 127.0.0.1:{direct.LocalPort} (missing)";
        Assert.True(server.WaitForOutput(line, Short), $"no rejection line:\n{server.Output}");
        var lines = server.Output.Split('\n').Where(l => l.Contains(line, StringComparison.Ordinal)).ToList();
        Assert.Single(lines);
        Assert.Matches(@"^\[[^\]]* INF\] PROXY header rejected from ", lines[0]);

        proxied.AssertEchoes("still served\n", Short);
    }

    [Theory]
    [InlineData("proxy-protocol", "maybe", "config error: actornet.server.proxy-protocol: \"maybe\" is not one of off, on, optional")]
    [InlineData("proxy-header-timeout", "0s", "config error: actornet.server.proxy-header-timeout: must be above 0s")]
    [InlineData("proxy-header-timeout", "5", "config error: actornet.server.proxy-header-timeout: \"5\" has no unit (e.g. 5s or 5ms)")]
    [InlineData("proxy-header-timeout", "soon", "config error: actornet.server.proxy-header-timeout: \"soon\" is not a duration")]
    public void A_bad_value_exits_2_naming_the_key(string key, string value, string expected)
    {
        using var server = ServerProcess.StartWithConfig(ServerConfig.Default.With(key, value), ServerProcess.FreePort(), output);
        Assert.Equal(2, server.WaitForExit(ExitWithin));
        Assert.Contains(expected, server.Output);
    }

    [Fact]
    public void A_bad_value_on_the_command_line_exits_2_naming_the_key()
    {
        using var server = ServerProcess.Start("actornet.server.proxy-protocol=v2");
        Assert.Equal(2, server.WaitForExit(ExitWithin));
        Assert.Matches(new Regex("config error: actornet.server.proxy-protocol: \"v2\" is not one of off, on, optional"), server.Output);
    }
}
