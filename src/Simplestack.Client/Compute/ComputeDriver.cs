using Simplestack.Client.Compute.Deployment;
using Simplestack.Client.Configuration;
using Simplestack.Client.Models;

namespace Simplestack.Client.Compute;

/// <summary>Options of <see cref="ComputeDriver.CreateNodeAsync"/> beyond Libcloud's name, size, image and location.</summary>
public sealed record CreateNodeOptions
{
    /// <summary>Networks to attach, one NIC each. Null: the network named <c>default</c> if there is one, else the first; empty: none.</summary>
    public IReadOnlyList<string>? Networks { get; init; }

    /// <summary>Public keys the guest reads from its NoCloud seed (API.md §4).</summary>
    public IReadOnlyList<string>? SshKeys { get; init; }

    public string? UserData { get; init; }

    /// <summary>Start the node once created (Libcloud's nodes run once created). Default true.</summary>
    public bool Start { get; init; } = true;

    /// <summary><c>kvm</c> or <c>qemu</c>; the gateway's default when null.</summary>
    public string? DomainType { get; init; }

    /// <summary><c>overlay</c> (default) or <c>full</c>.</summary>
    public string? ImageCopy { get; init; }

    /// <summary>The pool of the node's disk.</summary>
    public string? StorageId { get; init; }

    /// <summary>An ISO volume to put in the node's CD-ROM drive (a live or installer image).</summary>
    public string? Cdrom { get; init; }
}

/// <summary>Options of <see cref="ComputeDriver.DeployNodeAsync"/>.</summary>
public sealed record DeployNodeOptions
{
    public CreateNodeOptions Create { get; init; } = new();

    /// <summary>The user to log in as; the location's <c>ssh_username</c>, else <c>root</c>.</summary>
    public string? SshUsername { get; init; }

    /// <summary>The private key; the location's <c>ssh_private_key</c> when null.</summary>
    public string? SshPrivateKeyPath { get; init; }

    /// <summary>The public key put in the guest's seed; the location's <c>ssh_public_key</c> when null.</summary>
    public string? SshPublicKeyPath { get; init; }

    public int SshPort { get; init; } = 22;

    public SshInterface SshInterface { get; init; } = SshInterface.Any;

    /// <summary>How long to wait for the node to run with an address, and then for SSH.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);

    public TimeSpan WaitPeriod { get; init; } = TimeSpan.FromSeconds(3);
}

/// <summary>
/// The Libcloud-style compute layer over the gateway. Locations are the configuration file's
/// sections; each has its own gateway client. Nodes are guests, sizes the gateway's instance types
/// plus the file's <c>[instance_types]</c>, images the gateway's images, volumes the storage
/// pools' volumes.
/// </summary>
public sealed class ComputeDriver : IDisposable
{
    private readonly Dictionary<string, SimplestackClient> _clients = new(StringComparer.OrdinalIgnoreCase);
    private readonly Func<SimplestackLocation, SimplestackClient> _clientFactory;
    private readonly Lock _lock = new();

    /// <param name="configuration">The locations and instance types.</param>
    /// <param name="location">The default location's name (null: <c>default</c>).</param>
    /// <param name="httpFactory">Makes the HttpClient of a location (tests, custom handlers); null: one per location.</param>
    public ComputeDriver(SimplestackConfiguration configuration, string? location = null, Func<SimplestackLocation, HttpClient>? httpFactory = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Configuration = configuration;
        DefaultLocation = NodeLocation.From(configuration.GetLocation(location));
        _clientFactory = httpFactory is null ? l => l.CreateClient() : l => l.CreateClient(httpFactory(l));
    }

    /// <summary>A driver of one location served by an existing client.</summary>
    public ComputeDriver(SimplestackClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        var location = new SimplestackLocation(
            SimplestackConfiguration.DefaultSection, client.Http.BaseAddress!, client.Target.Hypervisor, client.Target.Host)
        {
            Username = client.Target.Username,
            Password = client.Target.Password,
            ApiKey = client.Target.ApiKey,
        };
        Configuration = SimplestackConfiguration.FromLocation(location);
        DefaultLocation = NodeLocation.From(Configuration.DefaultLocation);
        _clients[DefaultLocation.Id] = client;
        _clientFactory = _ => client;
    }

    /// <summary>A driver from the configuration file (<see cref="SimplestackConfiguration.DefaultPath"/> when null).</summary>
    public static ComputeDriver FromConfigurationFile(string? path = null, string? location = null)
        => new(SimplestackConfiguration.Load(path), location);

    public SimplestackConfiguration Configuration { get; }

    public NodeLocation DefaultLocation { get; }

    /// <summary>The gateway client of a location.</summary>
    public SimplestackClient ClientFor(NodeLocation? location = null)
    {
        location ??= DefaultLocation;
        lock (_lock)
        {
            if (!_clients.TryGetValue(location.Id, out var client))
            {
                _clients[location.Id] = client = _clientFactory(location.Configuration);
            }

            return client;
        }
    }

    public Task<IReadOnlyList<NodeLocation>> ListLocationsAsync(CancellationToken cancellationToken = default)
        => Task.FromResult<IReadOnlyList<NodeLocation>>([.. Configuration.Locations.Select(NodeLocation.From)]);

    public async Task<IReadOnlyList<Node>> ListNodesAsync(NodeLocation? location = null, CancellationToken cancellationToken = default)
    {
        location ??= DefaultLocation;
        var guests = await ClientFor(location).Guests.ListAsync(cancellationToken);
        return [.. guests.Select(g => Node.From(g, location))];
    }

    /// <summary>One node, by id or name.</summary>
    public async Task<Node> GetNodeAsync(string nodeId, NodeLocation? location = null, CancellationToken cancellationToken = default)
    {
        location ??= DefaultLocation;
        return Node.From(await ClientFor(location).Guests.GetAsync(nodeId, cancellationToken), location);
    }

    /// <summary>The gateway's instance types, then the configuration's (which replace a gateway type of the same name).</summary>
    public async Task<IReadOnlyList<NodeSize>> ListSizesAsync(NodeLocation? location = null, CancellationToken cancellationToken = default)
    {
        var fromGateway = await ClientFor(location).Sizes.ListAsync(cancellationToken);
        var configured = Configuration.InstanceTypes.Select(s => NodeSize.From(s, "configuration")).ToList();
        var names = configured.Select(s => s.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return [.. fromGateway.Where(s => !names.Contains(s.Id)).Select(s => NodeSize.From(s)), .. configured];
    }

    public async Task<IReadOnlyList<NodeImage>> ListImagesAsync(NodeLocation? location = null, CancellationToken cancellationToken = default)
        => [.. (await ClientFor(location).Images.ListAsync(cancellationToken)).Select(NodeImage.From)];

    /// <summary>
    /// Creates a node: a guest with the size's cpus and memory, its disk from the image (grown to the
    /// size's disk when it names one), one NIC per network, started unless told otherwise.
    /// </summary>
    public async Task<Node> CreateNodeAsync(
        string name, NodeSize size, NodeImage? image = null, NodeLocation? location = null, CreateNodeOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(size);
        location ??= DefaultLocation;
        options ??= new CreateNodeOptions();
        var client = ClientFor(location);

        var networks = options.Networks ?? await DefaultNetworksAsync(client, cancellationToken);
        IReadOnlyList<DiskSpec>? disks = size.Disk is { } gib
            ? [new DiskSpec(gib, options.StorageId)]
            : image is not null && options.StorageId is not null ? [new DiskSpec(0, options.StorageId)] : null;
        var request = new GuestCreateRequest
        {
            Name = name,
            Cpus = size.Cpus,
            Memory = size.Ram,
            Image = image?.Id,
            ImageCopy = options.ImageCopy,
            Disks = disks,
            NetworkInterfaces = [.. networks.Select(n => new NicSpec(n))],
            SshKeys = options.SshKeys is { Count: > 0 } keys ? keys : null,
            UserData = options.UserData,
            Cdrom = options.Cdrom,
            Start = options.Start,
            DomainType = options.DomainType,
        };
        var guest = await client.Guests.CreateAsync(request, cancellationToken);
        return Node.From(guest, location, size, image);
    }

    public async Task<bool> RebootNodeAsync(Node node, bool force = false, CancellationToken cancellationToken = default)
    {
        await ClientFor(node.Location).Power.RebootAsync(node.Id, force, cancellationToken);
        return true;
    }

    /// <summary>Deletes the node and the volumes the gateway created for it.</summary>
    public async Task<bool> DestroyNodeAsync(Node node, CancellationToken cancellationToken = default)
    {
        await ClientFor(node.Location).Guests.DeleteAsync(node.Id, keepDisks: false, cancellationToken);
        return true;
    }

    public async Task<bool> StartNodeAsync(Node node, CancellationToken cancellationToken = default)
    {
        await ClientFor(node.Location).Power.StartAsync(node.Id, cancellationToken: cancellationToken);
        return true;
    }

    /// <summary>Stops a node: asks it to shut down (ACPI), or pulls the plug with <paramref name="force"/>; <paramref name="wait"/> waits for it.</summary>
    public async Task<bool> StopNodeAsync(Node node, bool force = false, TimeSpan? wait = null, CancellationToken cancellationToken = default)
    {
        var power = ClientFor(node.Location).Power;
        await power.SetAsync(node.Id, force ? PowerAction.ForceStop : PowerAction.Stop, wait, cancellationToken);
        return true;
    }

    /// <summary>Every volume of every storage pool of the location; a volume that is a guest's disk says which.</summary>
    public async Task<IReadOnlyList<StorageVolume>> ListVolumesAsync(NodeLocation? location = null, CancellationToken cancellationToken = default)
    {
        location ??= DefaultLocation;
        var client = ClientFor(location);
        var attached = await DiskOwnersAsync(client, cancellationToken);
        var volumes = new List<StorageVolume>();
        foreach (var storage in await client.Storages.ListAsync(cancellationToken))
        {
            foreach (var volume in await client.Volumes.ListAsync(storage.Id, cancellationToken))
            {
                var item = StorageVolume.From(volume, storage.Id, location);
                volumes.Add(item.Path is { } path && attached.TryGetValue(path, out var owner) ? item with { AttachedTo = owner.GuestId } : item);
            }
        }

        return volumes;
    }

    /// <summary>Creates a volume of <paramref name="sizeGiB"/> in <paramref name="storageId"/> (default: the pool named <c>default</c>, else the first).</summary>
    public async Task<StorageVolume> CreateVolumeAsync(
        double sizeGiB, string name, NodeLocation? location = null, string? storageId = null, string? format = null,
        CancellationToken cancellationToken = default)
    {
        location ??= DefaultLocation;
        var client = ClientFor(location);
        storageId ??= await DefaultStorageAsync(client, cancellationToken);
        var volume = await client.Volumes.CreateAsync(storageId, new VolumeCreateRequest { Name = name, Size = sizeGiB, Format = format }, cancellationToken);
        return StorageVolume.From(volume, storageId, location);
    }

    public async Task<bool> DestroyVolumeAsync(StorageVolume volume, CancellationToken cancellationToken = default)
    {
        await ClientFor(volume.Location).Volumes.DeleteAsync(volume.StorageId, volume.Id, cancellationToken);
        return true;
    }

    /// <summary>
    /// Attaches an existing volume to a node as a new disk (<c>POST .../guests/{id}/disks</c> with
    /// <c>{"volume", "storage_id"}</c>). The gateway chooses the device target; <paramref name="device"/>
    /// only chooses the bus by its prefix, as a Linux guest would name it: <c>vdX</c> virtio, <c>sdX</c>
    /// SCSI, <c>hdX</c> IDE (<c>/dev/</c> allowed; any other name leaves the gateway's default bus).
    /// Hypervisors without hot-plug (the test hypervisor) need the node stopped: a running one answers
    /// 501 (<see cref="FeatureNotImplementedException"/>). <see cref="DetachVolumeAsync"/> keeps the volume.
    /// </summary>
    public async Task<bool> AttachVolumeAsync(Node node, StorageVolume volume, string? device = null, CancellationToken cancellationToken = default)
        => await AttachVolumeAsDiskAsync(node, volume, device, cancellationToken) is not null;

    /// <summary><see cref="AttachVolumeAsync"/>, returning the new disk.</summary>
    public Task<Disk> AttachVolumeAsDiskAsync(Node node, StorageVolume volume, string? device = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(volume);
        if (!string.Equals(node.Location.Id, volume.Location.Id, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"The volume is in location '{volume.Location.Id}', the node in '{node.Location.Id}'.", nameof(volume));
        }

        return ClientFor(node.Location).Disks.AttachVolumeAsync(node.Id, volume.StorageId, volume.Id, BusOf(device), cancellationToken);
    }

    /// <summary>The bus a device name implies (<c>/dev/sdb</c> → <c>scsi</c>); null when it implies none.</summary>
    internal static string? BusOf(string? device)
    {
        if (string.IsNullOrWhiteSpace(device))
        {
            return null;
        }

        var name = device.Trim();
        name = name.StartsWith("/dev/", StringComparison.Ordinal) ? name[5..] : name;
        return name switch
        {
            _ when name.StartsWith("vd", StringComparison.Ordinal) => "virtio",
            _ when name.StartsWith("sd", StringComparison.Ordinal) => "scsi",
            _ when name.StartsWith("hd", StringComparison.Ordinal) => "ide",
            _ => null,
        };
    }

    /// <summary>
    /// Detaches the volume from the guest whose disk it is (<c>DELETE .../disks/{target}</c>); false when
    /// no guest uses it. The gateway keeps a volume attached with <see cref="AttachVolumeAsync"/> (or
    /// otherwise from elsewhere) and deletes one it created for that guest as its disk.
    /// </summary>
    public async Task<bool> DetachVolumeAsync(StorageVolume volume, CancellationToken cancellationToken = default)
    {
        if (volume.Path is null)
        {
            return false;
        }

        var client = ClientFor(volume.Location);
        var owners = await DiskOwnersAsync(client, cancellationToken);
        if (!owners.TryGetValue(volume.Path, out var owner))
        {
            return false;
        }

        await client.Disks.DeleteAsync(owner.GuestId, owner.DiskId, cancellationToken);
        return true;
    }

    /// <summary>
    /// Waits until every node runs (<c>STARTED</c>) and has an address on <paramref name="sshInterface"/>;
    /// returns each node, read again, with its addresses (Libcloud's <c>wait_until_running</c>).
    /// </summary>
    /// <exception cref="TimeoutException">A node did not get there in time.</exception>
    public async Task<IReadOnlyList<(Node Node, IReadOnlyList<string> Addresses)>> WaitUntilRunningAsync(
        IEnumerable<Node> nodes, TimeSpan? waitPeriod = null, TimeSpan? timeout = null, SshInterface sshInterface = SshInterface.Any,
        CancellationToken cancellationToken = default)
    {
        var pending = nodes.ToList();
        var period = waitPeriod ?? TimeSpan.FromSeconds(3);
        var deadline = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromMinutes(10));
        var done = new Dictionary<string, (Node, IReadOnlyList<string>)>();
        while (true)
        {
            foreach (var node in pending.Where(n => !done.ContainsKey(n.Id)))
            {
                var current = await GetNodeAsync(node.Id, node.Location, cancellationToken) with { Size = node.Size, Image = node.Image };
                var addresses = current.AddressesFor(sshInterface);
                if (current.GatewayState == GuestState.Started && addresses.Count > 0)
                {
                    done[node.Id] = (current, addresses);
                }
            }

            if (done.Count == pending.Count)
            {
                return [.. pending.Select(n => done[n.Id])];
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                var late = string.Join(", ", pending.Where(n => !done.ContainsKey(n.Id)).Select(n => n.Name));
                throw new TimeoutException($"Timed out waiting for {late} to run with an address on {sshInterface}.");
            }

            await Task.Delay(period, cancellationToken);
        }
    }

    /// <summary>
    /// Creates a node with the SSH public key in its seed, waits until it runs with an address, connects
    /// over SSH with the private key and runs <paramref name="deployment"/> (Libcloud's <c>deploy_node</c>).
    /// Script results are on the <see cref="ScriptDeployment"/> steps. A failure throws
    /// <see cref="DeploymentException"/> carrying the node, which is left for the caller to inspect or destroy.
    /// </summary>
    public async Task<Node> DeployNodeAsync(
        string name, NodeSize size, NodeImage? image, Deployment.Deployment deployment, NodeLocation? location = null,
        DeployNodeOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        location ??= DefaultLocation;
        options ??= new DeployNodeOptions();
        var configured = location.Configuration;
        var privateKey = options.SshPrivateKeyPath ?? configured.SshPrivateKey
            ?? throw new ArgumentException($"Deploying needs an SSH private key: set ssh_private_key in [{configured.Name}] or DeployNodeOptions.SshPrivateKeyPath.", nameof(options));
        var publicKeyPath = options.SshPublicKeyPath ?? configured.SshPublicKey ?? (File.Exists(privateKey + ".pub") ? privateKey + ".pub" : null);

        // The key reaches the guest through the create body's ssh_keys; SshKeyDeployment steps too,
        // since without a key in the seed nothing could log in to run them.
        var keys = new List<string>(options.Create.SshKeys ?? []);
        if (publicKeyPath is not null)
        {
            keys.Add((await File.ReadAllTextAsync(publicKeyPath, cancellationToken)).Trim());
        }

        keys.AddRange(MultiStepDeployment.Flatten(deployment).OfType<SshKeyDeployment>().Select(k => k.PublicKey));
        var createOptions = options.Create with { SshKeys = [.. keys.Distinct()], Start = true };
        var node = await CreateNodeAsync(name, size, image, location, createOptions, cancellationToken);

        try
        {
            var started = DateTimeOffset.UtcNow;
            var (running, addresses) = (await WaitUntilRunningAsync([node], options.WaitPeriod, options.Timeout, options.SshInterface, cancellationToken))[0];
            node = running;
            var remaining = options.Timeout - (DateTimeOffset.UtcNow - started);
            var username = options.SshUsername ?? configured.SshUsername ?? "root";
            await using var session = await SshDeploymentSession.ConnectAsync(
                addresses[0], options.SshPort, username, privateKey, remaining > TimeSpan.FromSeconds(30) ? remaining : TimeSpan.FromSeconds(30), cancellationToken);
            await deployment.RunAsync(node, session, cancellationToken);
            return node;
        }
        catch (Exception e) when (e is not OperationCanceledException and not DeploymentException)
        {
            throw new DeploymentException($"Deploying node '{name}' failed: {e.Message}", node, e);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var client in _clients.Values)
            {
                client.Dispose();
            }

            _clients.Clear();
        }
    }

    private static async Task<IReadOnlyList<string>> DefaultNetworksAsync(SimplestackClient client, CancellationToken cancellationToken)
    {
        var networks = await client.Networks.ListAsync(cancellationToken);
        var chosen = networks.FirstOrDefault(n => n.Name == "default") ?? networks.FirstOrDefault();
        return chosen is null ? [] : [chosen.Name];
    }

    private static async Task<string> DefaultStorageAsync(SimplestackClient client, CancellationToken cancellationToken)
    {
        var storages = await client.Storages.ListAsync(cancellationToken);
        var chosen = storages.FirstOrDefault(s => s.Name == "default") ?? storages.FirstOrDefault()
            ?? throw new InvalidOperationException($"{client.Target} has no storage pool to create a volume in.");
        return chosen.Id;
    }

    /// <summary>Volume path → the guest and disk using it.</summary>
    private static async Task<Dictionary<string, (string GuestId, string DiskId)>> DiskOwnersAsync(SimplestackClient client, CancellationToken cancellationToken)
    {
        var owners = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var guest in await client.Guests.ListAsync(cancellationToken))
        {
            IReadOnlyList<Disk> disks;
            try
            {
                disks = await client.Disks.ListAsync(guest.Id, cancellationToken);
            }
            catch (EntityNotFoundException)
            {
                continue; // deleted meanwhile
            }

            foreach (var disk in disks.Where(d => d.Path is not null))
            {
                owners.TryAdd(disk.Path!, (guest.Id, disk.Id));
            }
        }

        return owners;
    }
}
