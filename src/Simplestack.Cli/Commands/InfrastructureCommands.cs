using System.CommandLine;
using Simplestack.Client.Models;

namespace Simplestack.Cli.Commands;

/// <summary><c>simplestack network|storage|volume|host|pool|image|size ...</c></summary>
internal static class InfrastructureCommands
{
    public static Command Network(SimplestackCli cli)
    {
        var network = new Command("network", "Networks (id = name)");

        {
            var list = new Command("list", "List networks");
            cli.Action(list, async (context, ct) => context.List(
                await context.Client.Networks.ListAsync(ct),
                ("ID", n => n.Id),
                ("BRIDGE", n => n.Bridge),
                ("VLAN", n => n.Vlan),
                ("DESCRIPTION", n => n.Description)));
            network.Subcommands.Add(list);
        }

        {
            var id = new Argument<string>("network") { Description = "The network's name or UUID" };
            var show = new Command("show", "Show a network") { id };
            cli.Action(show, async (context, ct) => ShowNetwork(context, await context.Client.Networks.GetAsync(context.Get(id), ct)));
            network.Subcommands.Add(show);
        }

        {
            var name = new Argument<string>("name") { Description = "The new network's name" };
            var description = new Option<string?>("--description") { Description = "A description" };
            var from = new Option<string?>("--from") { Description = "The network (bridge) to build on" };
            var vlan = new Option<int?>("--vlan") { Description = "A VLAN tag" };
            var other = new Option<string[]>("--other") { Description = "KEY=VALUE for other_config (repeatable)" };
            var create = new Command("create", "Create a network") { name, description, from, vlan, other };
            cli.Action(create, async (context, ct) =>
            {
                var otherConfig = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var pair in context.Get(other) ?? [])
                {
                    var eq = pair.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0)
                    {
                        throw new CliUsageException($"--other takes KEY=VALUE, not '{pair}'.");
                    }

                    otherConfig[pair[..eq]] = pair[(eq + 1)..];
                }

                ShowNetwork(context, await context.Client.Networks.CreateAsync(
                    new NetworkCreateRequest
                    {
                        Name = context.Get(name),
                        Description = context.Get(description),
                        FromNetwork = context.Get(from),
                        Vlan = context.Get(vlan),
                        OtherConfig = otherConfig.Count > 0 ? otherConfig : null,
                    },
                    ct));
            });
            network.Subcommands.Add(create);
        }

        {
            var id = new Argument<string>("network") { Description = "The network's name or UUID" };
            var delete = new Command("delete", "Delete a network") { id };
            cli.Action(delete, async (context, ct) =>
            {
                await context.Client.Networks.DeleteAsync(context.Get(id), ct);
                context.Done($"Deleted network {context.Get(id)}.", new { result = "deleted", id = context.Get(id) });
            });
            network.Subcommands.Add(delete);
        }
        return network;
    }

    private static void ShowNetwork(CliContext context, Network network) => context.Show(
        network,
        ("id", n => n.Id),
        ("name", n => n.Name),
        ("bridge", n => n.Bridge),
        ("vlan", n => n.Vlan),
        ("description", n => n.Description),
        ("other_config", n => n.OtherConfig is null ? null : new Dictionary<string, string>(n.OtherConfig)));

    public static Command Storage(SimplestackCli cli)
    {
        var storage = new Command("storage", "Storage pools");

        {
            var list = new Command("list", "List storage pools");
            cli.Action(list, async (context, ct) => context.List(
                await context.Client.Storages.ListAsync(ct),
                ("ID", s => s.Id),
                ("NAME", s => s.Name),
                ("TYPE", s => s.Type),
                ("SIZE (GiB)", s => s.Size),
                ("USED (GiB)", s => s.UsedSpace),
                ("ALLOCATED (GiB)", s => s.AllocatedSpace)));
            storage.Subcommands.Add(list);
        }

        {
            var id = new Argument<string>("storage") { Description = "The pool's UUID or name" };
            var show = new Command("show", "Show a storage pool") { id };
            cli.Action(show, async (context, ct) => context.Show(
                await context.Client.Storages.GetAsync(context.Get(id), ct),
                ("id", s => s.Id),
                ("name", s => s.Name),
                ("type", s => s.Type),
                ("state", s => s.State),
                ("size (GiB)", s => s.Size),
                ("used (GiB)", s => s.UsedSpace),
                ("allocated (GiB)", s => s.AllocatedSpace),
                ("size_bytes", s => s.SizeBytes)));
            storage.Subcommands.Add(show);
        }
        return storage;
    }

    public static Command Volume(SimplestackCli cli)
    {
        var volume = new Command("volume", "Storage volumes of the pools");

        {
            var inStorage = new Option<string?>("--storage") { Description = "Only this pool's volumes" };
            var list = new Command("list", "List volumes (of every pool, or of --storage)") { inStorage };
            cli.Action(list, async (context, ct) =>
            {
                var client = context.Client;
                var storages = await StorageNamesAsync(context, ct);
                var pools = context.Get(inStorage) is { } one ? [one] : storages.Names;
                var volumes = new List<VolumeInfo>();
                foreach (var pool in pools)
                {
                    volumes.AddRange((await client.Volumes.ListAsync(pool, ct)).Select(v => v with { StorageId = v.StorageId ?? pool }));
                }

                context.List(
                    volumes,
                    ("STORAGE", v => storages.NameOf(v.StorageId)),
                    ("ID", v => v.Id),
                    ("NAME", v => v.Name),
                    ("SIZE (GiB)", v => v.Size),
                    ("FORMAT", v => v.Format),
                    ("PATH", v => v.Path));
            });
            volume.Subcommands.Add(list);
        }

        {
            var storage = StorageArgument();
            var id = VolumeArgument();
            var show = new Command("show", "Show a volume") { storage, id };
            cli.Action(show, async (context, ct) => ShowVolume(context, await context.Client.Volumes.GetAsync(context.Get(storage), context.Get(id), ct)));
            volume.Subcommands.Add(show);
        }

        {
            var storage = StorageArgument();
            var name = new Argument<string>("name") { Description = "The new volume's name" };
            var size = new Option<double>("--size") { Description = "Size in GiB", Required = true };
            var format = new Option<string?>("--format") { Description = "qcow2 or raw (default: the pool's)" };
            var create = new Command("create", "Create a volume") { storage, name, size, format };
            cli.Action(create, async (context, ct) => ShowVolume(context, await context.Client.Volumes.CreateAsync(
                context.Get(storage), new VolumeCreateRequest { Name = context.Get(name), Size = context.Get(size), Format = context.Get(format) }, ct)));
            volume.Subcommands.Add(create);
        }

        {
            var storage = StorageArgument();
            var id = VolumeArgument();
            var delete = new Command("delete", "Delete a volume") { storage, id };
            cli.Action(delete, async (context, ct) =>
            {
                await context.Client.Volumes.DeleteAsync(context.Get(storage), context.Get(id), ct);
                context.Done($"Deleted volume {context.Get(id)} of {context.Get(storage)}.", new { result = "deleted", storage = context.Get(storage), id = context.Get(id) });
            });
            volume.Subcommands.Add(delete);
        }

        {
            var storage = StorageArgument();
            var id = VolumeArgument();
            var guest = GuestCommands.GuestArgument();
            var bus = new Option<string?>("--bus") { Description = "virtio, scsi, sata or ide (default: the gateway's)" };
            var attach = new Command("attach", "Attach an existing volume to a guest as a new disk (a stopped guest where the hypervisor cannot hot-plug)")
            {
                storage, id, guest, bus,
            };
            cli.Action(attach, async (context, ct) => DeviceCommands.ShowDisk(context, await context.Client.Disks.AttachVolumeAsync(
                context.Get(guest), context.Get(storage), context.Get(id), context.Get(bus), ct)));
            volume.Subcommands.Add(attach);
        }

        {
            var storage = StorageArgument();
            var id = VolumeArgument();
            var fromGuest = new Option<string?>("--guest") { Description = "Only from this guest (default: every guest using it)" };
            var detach = new Command("detach", "Detach a volume from the guests using it; the volume is kept") { storage, id, fromGuest };
            cli.Action(detach, async (context, ct) =>
            {
                var client = context.Client;
                var info = await client.Volumes.GetAsync(context.Get(storage), context.Get(id), ct);
                var guests = context.Get(fromGuest) is { } one ? [one] : info.UsedBy ?? [];
                var detached = new List<(string Guest, string Disk)>();
                foreach (var name in guests)
                {
                    foreach (var disk in (await client.Disks.ListAsync(name, ct)).Where(d => d.Path is not null && d.Path == info.Path))
                    {
                        await client.Disks.DeleteAsync(name, disk.Id, ct);
                        detached.Add((name, disk.Id));
                    }
                }

                if (detached.Count == 0)
                {
                    throw new CliConflictException(context.Get(fromGuest) is { } g
                        ? $"volume '{info.Name}' is not a disk of guest '{g}'."
                        : $"volume '{info.Name}' is not attached to any guest.");
                }

                context.Done(
                    $"Detached volume {info.Name} ({string.Join(", ", detached.Select(d => $"disk {d.Disk} of {d.Guest}"))}); the volume is kept.",
                    new { result = "detached", storage = context.Get(storage), id = info.Id, disks = detached.Select(d => new { guest = d.Guest, disk = d.Disk }).ToList() });
            });
            volume.Subcommands.Add(detach);
        }
        return volume;
    }

    /// <summary>The pools' names, to show in lists instead of their UUIDs (the JSON keeps the ids).</summary>
    private static async Task<StorageNames> StorageNamesAsync(CliContext context, CancellationToken ct)
    {
        try
        {
            return new StorageNames(await context.Client.Storages.ListAsync(ct));
        }
        catch (Client.FeatureNotImplementedException)
        {
            return new StorageNames([]);
        }
    }

    private sealed record StorageNames(IReadOnlyList<StorageInfo> Storages)
    {
        public List<string> Names => [.. Storages.Select(s => s.Name)];

        public string? NameOf(string? id) => Storages.FirstOrDefault(s => s.Id == id || s.Name == id)?.Name ?? id;
    }

    private static Argument<string> StorageArgument() => new("storage") { Description = "The pool's UUID or name" };

    private static Argument<string> VolumeArgument() => new("volume") { Description = "The volume's id or name" };

    private static void ShowVolume(CliContext context, VolumeInfo volume) => context.Show(
        volume,
        ("id", v => v.Id),
        ("name", v => v.Name),
        ("storage", v => v.StorageId),
        ("size (GiB)", v => v.Size),
        ("size_bytes", v => v.SizeBytes),
        ("format", v => v.Format),
        ("path", v => v.Path),
        ("used_by", v => v.UsedBy));

    public static Command Host(SimplestackCli cli)
    {
        var host = new Command("host", "The hosts of the pool");

        {
            var list = new Command("list", "List hosts");
            cli.Action(list, async (context, ct) => context.List(
                await context.Client.Hosts.ListAsync(ct),
                ("ID", h => h.Id),
                ("NAME", h => h.Name),
                ("ADDRESS", h => h.Address),
                ("CPUS", h => h.Cpus),
                ("MEMORY (MiB)", h => h.Memory),
                ("HYPERVISOR", h => h.HypervisorVersion)));
            host.Subcommands.Add(list);
        }

        {
            var id = new Argument<string>("host") { Description = "The host's name or address" };
            var show = new Command("show", "Show a host") { id };
            cli.Action(show, async (context, ct) => context.Show(
                await context.Client.Hosts.GetAsync(context.Get(id), ct),
                ("id", h => h.Id),
                ("name", h => h.Name),
                ("address", h => h.Address),
                ("cpus", h => h.Cpus),
                ("memory (MiB)", h => h.Memory),
                ("hypervisor_version", h => h.HypervisorVersion)));
            host.Subcommands.Add(show);
        }
        return host;
    }

    public static Command Pool(SimplestackCli cli)
    {
        var pool = new Command("pool", "The pool (the hypervisor as a whole)");
        {
            var show = new Command("show", "Show the pool: memory, uuid, master, software");
            cli.Action(show, async (context, ct) => context.Show(
                await context.Client.Pool.GetAsync(ct),
                ("uuid", p => p.Uuid),
                ("master", p => p.Master),
                ("used_memory (MiB)", p => p.UsedMemory),
                ("total_memory (MiB)", p => p.TotalMemory),
                ("hypervisor", p => p.SoftwareInfo?.Hypervisor),
                ("version", p => p.SoftwareInfo?.Version),
                ("library_version", p => p.SoftwareInfo?.LibraryVersion)));
            pool.Subcommands.Add(show);
        }
        return pool;
    }

    public static Command Image(SimplestackCli cli)
    {
        var image = new Command("image", "Images guests can be created from");
        {
            var list = new Command("list", "List images");
            cli.Action(list, async (context, ct) =>
            {
                var images = await context.Client.Images.ListAsync(ct);
                var storages = context.Structured ? new StorageNames([]) : await StorageNamesAsync(context, ct);
                context.List(
                    images,
                    ("ID", i => i.Id),
                    ("NAME", i => i.Name),
                    ("STORAGE", i => storages.NameOf(i.StorageId)),
                    ("SIZE (GiB)", i => i.Size),
                    ("FORMAT", i => i.Format));
            });
            image.Subcommands.Add(list);
        }
        return image;
    }

    public static Command Size(SimplestackCli cli)
    {
        var size = new Command("size", "Instance types (the gateway's and the configuration file's [instance_types])");
        {
            var list = new Command("list", "List instance types");
            cli.Action(list, async (context, ct) =>
            {
                var sizes = await context.Driver.ListSizesAsync(cancellationToken: ct);
                if (context.Structured)
                {
                    context.WriteData(sizes.Select(s => new { id = s.Id, name = s.Name, cpus = s.Cpus, memory = s.Ram, disk = s.Disk, source = s.Source }));
                    return;
                }

                context.List(
                    sizes,
                    ("ID", s => s.Id),
                    ("CPUS", s => s.Cpus),
                    ("MEMORY (MiB)", s => s.Ram),
                    ("DISK (GiB)", s => s.Disk),
                    ("SOURCE", s => s.Source));
            });
            size.Subcommands.Add(list);
        }
        return size;
    }
}
