using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using ActorNet.Options;
using ActorNet.Protocol;

namespace ActorNet.Transport.Sockets;

/// <summary>
/// One outgoing connection, Node's <c>lookupAndConnect</c>: resolve, try each address in order,
/// bind first when a local address or port is given, fail with ETIMEDOUT at the connect timeout.
/// </summary>
internal sealed class SocketsConnector(ConnectOptions options) : ITransportConnector
{
    private readonly CancellationTokenSource _cancel = new();
    private int _cancelled;

    public void Connect(IActorRef owner) => _ = RunAsync(owner);

    public void Cancel()
    {
        if (Interlocked.Exchange(ref _cancelled, 1) == 0) _cancel.Cancel();
    }

    private async Task RunAsync(IActorRef owner)
    {
        object result;
        try
        {
            result = new TransportSignal.ConnectSucceeded(new EngineConnection(await ConnectAsync()));
        }
        catch (NetException e)
        {
            result = new TransportSignal.ConnectFailed(e.Error);
        }
        catch (OperationCanceledException) when (Volatile.Read(ref _cancelled) == 1)
        {
            return; // destroyed while connecting: nobody waits for an answer
        }
        catch (OperationCanceledException)
        {
            // The connect timeout fired while the name was still resolving.
            result = new TransportSignal.ConnectFailed(new NetError("ETIMEDOUT", "getaddrinfo", "timed out resolving the host name", options.Host, options.Port));
        }
        catch (ArgumentException e)
        {
            // A host name the resolver refuses (too long, bad characters): Node says ENOTFOUND too.
            result = new TransportSignal.ConnectFailed(new NetError("ENOTFOUND", "getaddrinfo", e.Message, options.Host, options.Port));
        }
        if (Volatile.Read(ref _cancelled) == 1)
        {
            if (result is TransportSignal.ConnectSucceeded connected) connected.Connection.Abort();
            return;
        }
        owner.Tell(result, ActorRefs.NoSender);
    }

    private async Task<Socket> ConnectAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_cancel.Token);
        if (options.ConnectTimeout > TimeSpan.Zero) timeout.CancelAfter(options.ConnectTimeout);
        if (options.Path is { } path) return await ConnectUnixAsync(path, timeout.Token);

        var addresses = await ResolveAsync(timeout.Token);
        NetError? last = null;
        foreach (var address in addresses)
        {
            var remote = new IPEndPoint(address, options.Port);
            Socket socket;
            try
            {
                socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            }
            catch (SocketException e)
            {
                last = NetError.FromSocketError(e.SocketErrorCode, "socket", remote); // e.g. EAFNOSUPPORT without IPv6
                continue;
            }
            try
            {
                BindLocal(socket, address.AddressFamily);
                await socket.ConnectAsync(remote, timeout.Token);
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = NetError.FromSocketError(e.SocketErrorCode, "connect", remote);
            }
            catch (OperationCanceledException) when (Volatile.Read(ref _cancelled) == 0)
            {
                socket.Dispose();
                throw new NetException(NetError.FromSocketError(SocketError.TimedOut, "connect", remote));
            }
            catch (NetException)
            {
                socket.Dispose();
                throw;
            }
            catch (OperationCanceledException)
            {
                socket.Dispose();
                throw;
            }
        }
        throw new NetException(last ?? new NetError("EADDRNOTAVAIL", "connect",
            $"no address of {options.Host} matches the local address family", options.Host, options.Port));
    }

    private async Task<IReadOnlyList<IPAddress>> ResolveAsync(CancellationToken token)
    {
        IReadOnlyList<IPAddress> addresses;
        if (IPAddress.TryParse(options.Host, out var literal)) addresses = [literal];
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(options.Host, token);
            }
            catch (SocketException e)
            {
                var error = NetError.FromSocketError(e.SocketErrorCode, "getaddrinfo") with { Address = options.Host };
                if (error.Code != "EAI_AGAIN") error = error with { Code = "ENOTFOUND", Message = "name not resolved" };
                throw new NetException(error);
            }
        }
        // With a local address only addresses of its family can work (Node passes the family to dns.lookup).
        if (options.LocalAddress is { } local)
        {
            var family = IPAddress.Parse(local).AddressFamily;
            addresses = addresses.Where(a => a.AddressFamily == family).ToArray();
        }
        return addresses;
    }

    private void BindLocal(Socket socket, AddressFamily family)
    {
        if (options.LocalAddress is null && options.LocalPort == 0) return;
        var address = options.LocalAddress is { } local ? IPAddress.Parse(local)
            : family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        try
        {
            socket.Bind(new IPEndPoint(address, options.LocalPort));
        }
        catch (SocketException e)
        {
            throw new NetException(NetError.FromSocketError(e.SocketErrorCode, "bind") with
            {
                Address = address.ToString(),
                Port = options.LocalPort,
            });
        }
    }

    private async Task<Socket> ConnectUnixAsync(string path, CancellationToken token)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), token);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new NetException(NetError.FromSocketError(e.SocketErrorCode, "connect") with { Address = path });
        }
        catch (OperationCanceledException) when (Volatile.Read(ref _cancelled) == 0)
        {
            socket.Dispose();
            throw new NetException(new NetError("ETIMEDOUT", "connect", "connection timed out", path));
        }
    }
}
