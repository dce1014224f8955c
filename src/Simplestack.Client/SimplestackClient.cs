using Simplestack.Client.Operations;

namespace Simplestack.Client;

/// <summary>
/// The Simplestack gateway's HTTP API for one target (<c>/{hypervisor}/{host}</c>), in operation
/// groups. The <see cref="HttpClient"/>'s <see cref="HttpClient.BaseAddress"/> is the gateway's URL
/// (<c>http://gateway:8080/</c>); the client does not own it unless created by <see cref="Create"/>.
/// Every error answer throws a <see cref="SimplestackApiException"/> subclass.
/// </summary>
/// <example>
/// <code>
/// using var client = SimplestackClient.Create(new Uri("http://127.0.0.1:8080"), SimplestackTarget.Test);
/// foreach (var guest in await client.Guests.ListAsync()) Console.WriteLine($"{guest.Name} {guest.State}");
/// </code>
/// </example>
public sealed class SimplestackClient : IDisposable
{
    private readonly bool _ownsHttp;
    private readonly RestChannel _channel;

    public SimplestackClient(HttpClient http, SimplestackTarget target)
        : this(http, target, ownsHttp: false)
    {
    }

    private SimplestackClient(HttpClient http, SimplestackTarget target, bool ownsHttp)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(target);
        if (http.BaseAddress is null)
        {
            throw new ArgumentException("The HttpClient needs a BaseAddress: the gateway's URL.", nameof(http));
        }

        _ownsHttp = ownsHttp;
        var channel = _channel = new RestChannel(http, target);
        Target = target;
        Http = http;
        Pool = new PoolOperations(channel);
        Hosts = new HostsOperations(channel);
        Guests = new GuestsOperations(channel);
        Storages = new StoragesOperations(channel, Guests);
        Volumes = new VolumesOperations(channel);
        Power = new PowerOperations(channel);
        Disks = new DisksOperations(channel);
        Media = new MediaOperations(channel);
        NetworkInterfaces = new NetworkInterfacesOperations(channel);
        Tags = new TagsOperations(channel);
        Snapshots = new SnapshotsOperations(channel);
        Networks = new NetworksOperations(channel);
        Images = new ImagesOperations(channel);
        Sizes = new SizesOperations(channel);
        Events = new EventsOperations(channel);
        Consoles = new ConsolesOperations(channel);
    }

    /// <summary>A client with its own <see cref="HttpClient"/> (disposed with the client).</summary>
    public static SimplestackClient Create(Uri gatewayUrl, SimplestackTarget target, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(gatewayUrl);
        // Large guest lists come gzip or br when asked for (the gateway compresses nothing else).
        var handler = new SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.GZip | System.Net.DecompressionMethods.Brotli };
        var http = new HttpClient(handler)
        {
            BaseAddress = gatewayUrl,
            // Exports and imports stream whole disks; callers cancel through their token.
            Timeout = timeout ?? Timeout.InfiniteTimeSpan,
        };
        return new SimplestackClient(http, target, ownsHttp: true);
    }

    public SimplestackTarget Target { get; }

    public HttpClient Http { get; }

    /// <summary>When a create whose answer was lost is sent again, with its Idempotency-Key (<see cref="SimplestackRetryPolicy.Default"/>).</summary>
    public SimplestackRetryPolicy Retries
    {
        get => _channel.Retries;
        set => _channel.Retries = value ?? throw new ArgumentNullException(nameof(value));
    }

    public PoolOperations Pool { get; }

    public HostsOperations Hosts { get; }

    public GuestsOperations Guests { get; }

    /// <summary><c>GET .../events</c>: what happens to the target's guests, whoever did it.</summary>
    public EventsOperations Events { get; }

    /// <summary>A guest's console over a WebSocket (API.md §10).</summary>
    public ConsolesOperations Consoles { get; }

    public StoragesOperations Storages { get; }

    /// <summary>Storage volumes of a pool (API.md §6).</summary>
    public VolumesOperations Volumes { get; }

    public PowerOperations Power { get; }

    public DisksOperations Disks { get; }

    public MediaOperations Media { get; }

    public NetworkInterfacesOperations NetworkInterfaces { get; }

    public TagsOperations Tags { get; }

    public SnapshotsOperations Snapshots { get; }

    public NetworksOperations Networks { get; }

    /// <summary>Images a guest can be created from (API.md §6).</summary>
    public ImagesOperations Images { get; }

    /// <summary>Instance types (API.md §6).</summary>
    public SizesOperations Sizes { get; }

    /// <summary>The gateway's <c>GET /healthz</c>: true when the process answers.</summary>
    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri("/healthz", UriKind.Relative), cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            Http.Dispose();
        }
    }
}
