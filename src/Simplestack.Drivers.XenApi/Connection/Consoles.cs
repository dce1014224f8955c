using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Simplestack.Core;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi;

// Consoles (API.md §10) through xapi's /console handler: a running VM has console objects, rfb
// (graphical) and, for PV guests, vt100 (text); each names its location, https://HOST/console?ref=...
// on the host the VM runs on. The driver opens TLS there with the same certificate trust as the
// XenAPI calls, sends "CONNECT /console?ref=...&session_id=...", and after xapi's 200 the socket
// carries the raw protocol (RFB, or the text console's bytes), which is what the server pumps.
public sealed partial class XenApiConnection : IGuestConsole
{
    private const int MaxResponseHeader = 8 * 1024;
    private static readonly IReadOnlySet<ConsoleType> XenConsoles = new HashSet<ConsoleType> { ConsoleType.Serial, ConsoleType.Vnc };

    /// <summary>Serial is a PV guest's vt100 console (HVM guests have none: 501); VNC is the rfb console.</summary>
    public IReadOnlySet<ConsoleType> ConsoleTypes => XenConsoles;

    /// <summary>xapi lets several clients share a console, so <paramref name="force"/> changes nothing here.</summary>
    public async Task<Stream> OpenConsoleAsync(string guestId, ConsoleType type, bool force, CancellationToken cancellationToken)
    {
        var (_, vm) = await FindVmAsync(guestId, cancellationToken);
        if (vm.PowerState != "Running")
        {
            throw new ConflictException($"Guest '{vm.NameLabel}' is {vm.PowerState}: only a running guest has a console to open.");
        }

        var protocol = type == ConsoleType.Vnc ? "rfb" : "vt100";
        ConsoleRecord? console = null;
        foreach (var consoleRef in vm.Consoles)
        {
            var record = await Call.Console(consoleRef, cancellationToken);
            if (record.Protocol == protocol)
            {
                console = record;
                break;
            }
        }

        if (console is null)
        {
            throw new FeatureNotAvailableException(type == ConsoleType.Serial
                ? $"Guest '{vm.NameLabel}' has no text (vt100) console: Xen gives one to PV guests only; open type=vnc for its graphical console."
                : $"Guest '{vm.NameLabel}' has no graphical (rfb) console.");
        }

        if (!Uri.TryCreate(console.Location, UriKind.Absolute, out var location) || location.Scheme != Uri.UriSchemeHttps)
        {
            throw new HypervisorErrorException($"The Xen pool gave guest '{vm.NameLabel}' a console at an address the driver cannot open.");
        }

        return await ConnectConsoleAsync(location, vm.NameLabel, cancellationToken);
    }

    private async Task<Stream> ConnectConsoleAsync(Uri location, string vmName, CancellationToken cancellationToken)
    {
        var port = location.IsDefaultPort ? (int?)null : location.Port;
        var client = new TcpClient();
        SslStream? tls = null;
        try
        {
            using (var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connecting.CancelAfter(_policy.Timeout);
                await client.ConnectAsync(location.IdnHost, location.Port, connecting.Token);
                tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
                await tls.AuthenticateAsClientAsync(_consoleTls(location.IdnHost, port), connecting.Token);

                // The session goes in the query (xapi's handlers take it there or in a cookie); the request is never logged.
                var query = location.Query.Length > 1 ? location.Query + "&" : "?";
                var request = $"CONNECT {location.AbsolutePath}{query}session_id={SessionQueryValue(_session.CurrentSessionRef)} HTTP/1.0\r\n"
                              + $"Host: {location.Authority}\r\n\r\n";
                await tls.WriteAsync(Encoding.ASCII.GetBytes(request), connecting.Token);
                await tls.FlushAsync(connecting.Token);
                var status = await ReadStatusAsync(tls, connecting.Token);
                if (status != 200)
                {
                    throw status switch
                    {
                        401 or 403 => new HypervisorErrorException($"The Xen host refused this session for the console of guest '{vmName}' (HTTP {status})."),
                        404 => new FeatureNotAvailableException($"The Xen host has no console to connect for guest '{vmName}' (HTTP 404): it may still be starting."),
                        _ => new HypervisorErrorException($"The Xen host answered HTTP {status} to opening the console of guest '{vmName}'."),
                    };
                }
            }

            return tls;
        }
        catch (Exception error) when (error is SocketException or IOException or System.Security.Authentication.AuthenticationException
                                       || (error is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            tls?.Dispose();
            client.Dispose();
            throw new HypervisorErrorException($"Could not open the console of guest '{vmName}' on {location.Host}: {error.Message}");
        }
        catch
        {
            tls?.Dispose();
            client.Dispose();
            throw;
        }
    }

    /// <summary>The session ref as Xen Orchestra sends it ("OpaqueRef:..." with its colon as is: valid in a query).</summary>
    private static string SessionQueryValue(string session) => Uri.EscapeDataString(session).Replace("%3A", ":", StringComparison.Ordinal);

    /// <summary>Reads the response head byte by byte (what follows it is the console's) and returns its status code.</summary>
    private static async Task<int> ReadStatusAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new List<byte>(256);
        var one = new byte[1];
        while (head.Count < 4 || head[^1] != '\n' || head[^2] != '\r' || head[^3] != '\n' || head[^4] != '\r')
        {
            if (head.Count >= MaxResponseHeader || await stream.ReadAsync(one, cancellationToken) == 0)
            {
                throw new IOException("the host closed the console connection before answering it");
            }

            head.Add(one[0]);
        }

        var statusLine = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n")[0].Split(' ');
        return statusLine.Length >= 2 && statusLine[0].StartsWith("HTTP/", StringComparison.Ordinal) && int.TryParse(statusLine[1], out var code)
            ? code
            : throw new IOException("the host answered the console request with something other than HTTP");
    }
}
