using System.CommandLine;
using Simplestack.Client.Models;

namespace Simplestack.Cli.Commands;

/// <summary><c>simplestack disk|nic|media|tag|snapshot ...</c>: a guest's devices and annotations.</summary>
internal static class DeviceCommands
{
    public static Command Disk(SimplestackCli cli)
    {
        var disk = new Command("disk", "A guest's disks");

        {
            var guest = GuestCommands.GuestArgument();
            var list = new Command("list", "List a guest's disks") { guest };
            cli.Action(list, async (context, ct) => context.List(
                await context.Client.Disks.ListAsync(context.Get(guest), ct),
                ("ID", d => d.Id),
                ("NAME", d => d.Name),
                ("SIZE (GiB)", d => d.Size),
                ("BUS", d => d.Bus),
                ("FORMAT", d => d.Format),
                ("PATH", d => d.Path)));
            disk.Subcommands.Add(list);
        }

        {
            var guest = GuestCommands.GuestArgument();
            var id = DiskArgument();
            var show = new Command("show", "Show a disk") { guest, id };
            cli.Action(show, async (context, ct) => ShowDisk(context, await context.Client.Disks.GetAsync(context.Get(guest), context.Get(id), ct)));
            disk.Subcommands.Add(show);
        }

        {
            var guest = GuestCommands.GuestArgument();
            var size = new Option<double>("--size") { Description = "Size in GiB", Required = true };
            var name = new Option<string?>("--name") { Description = "The volume's name" };
            var storage = new Option<string?>("--storage") { Description = "The storage pool (default: the gateway's)" };
            var bus = new Option<string?>("--bus") { Description = "virtio, scsi, sata or ide" };
            var key = LongWork.KeyOption();
            var create = new Command("create", "Add a disk: a new volume") { guest, size, name, storage, bus, key };
            cli.Action(create, async (context, ct) => ShowDisk(context, await context.Client.Disks.CreateAsync(
                context.Get(guest),
                new DiskCreateRequest { Size = context.Get(size), Name = context.Get(name), StorageId = context.Get(storage), Bus = context.Get(bus) },
                LongWork.Options(context, key),
                ct)));
            disk.Subcommands.Add(create);
        }

        {
            var guest = GuestCommands.GuestArgument();
            var id = DiskArgument();
            var newSize = new Option<double?>("--size") { Description = "Grow to this size in GiB" };
            var newName = new Option<string?>("--name") { Description = "A new name" };
            var update = new Command("update", "Grow or rename a disk") { guest, id, newSize, newName };
            cli.Action(update, async (context, ct) =>
            {
                var request = new DiskUpdateRequest { Size = context.Get(newSize), Name = context.Get(newName) };
                ShowDisk(context, await LongWork.FollowAsync(
                    context,
                    $"Changing disk {context.Get(id)} of {context.Get(guest)}",
                    p => context.Client.Disks.UpdateAsync(context.Get(guest), context.Get(id), request, p, ct),
                    () => context.Client.Disks.UpdateAsync(context.Get(guest), context.Get(id), request, ct)));
            });
            disk.Subcommands.Add(update);
        }

        {
            var guest = GuestCommands.GuestArgument();
            var id = DiskArgument();
            var delete = new Command("delete", "Detach a disk (its volume is deleted when the gateway created it for the guest)") { guest, id };
            cli.Action(delete, async (context, ct) =>
            {
                await context.Client.Disks.DeleteAsync(context.Get(guest), context.Get(id), ct);
                context.Done($"Deleted disk {context.Get(id)} of {context.Get(guest)}.", new { result = "deleted", guest = context.Get(guest), id = context.Get(id) });
            });
            disk.Subcommands.Add(delete);
        }
        return disk;
    }

    private static Argument<string> DiskArgument() => new("disk") { Description = "The disk's device target (vda, sdb)" };

    internal static void ShowDisk(CliContext context, Disk disk) => context.Show(
        disk,
        ("id", d => d.Id),
        ("name", d => d.Name),
        ("number", d => d.Number),
        ("size (GiB)", d => d.Size),
        ("size_bytes", d => d.SizeBytes),
        ("device", d => d.Device),
        ("bus", d => d.Bus),
        ("format", d => d.Format),
        ("path", d => d.Path));

    public static Command Nic(SimplestackCli cli)
    {
        var nic = new Command("nic", "A guest's network interfaces (id = MAC address)");

        {
            var guest = GuestCommands.GuestArgument();
            var list = new Command("list", "List a guest's network interfaces") { guest };
            cli.Action(list, async (context, ct) => context.List(
                await context.Client.NetworkInterfaces.ListAsync(context.Get(guest), ct),
                ("ID", n => n.Id),
                ("NUMBER", n => n.Number),
                ("NETWORK", n => n.Network),
                ("MODEL", n => n.Model),
                ("VLAN", n => n.Vlan),
                ("RATE LIMIT (kbps)", n => n.RateLimit?.Kbps)));
            nic.Subcommands.Add(list);
        }

        {
            var guest = GuestCommands.GuestArgument();
            var mac = MacArgument();
            var show = new Command("show", "Show a network interface") { guest, mac };
            cli.Action(show, async (context, ct) => ShowNic(context, await context.Client.NetworkInterfaces.GetAsync(context.Get(guest), context.Get(mac), ct)));
            nic.Subcommands.Add(show);
        }

        {
            var guest = GuestCommands.GuestArgument();
            var network = new Option<string>("--network") { Description = "The network", Required = true };
            var newMac = new Option<string?>("--mac") { Description = "A MAC address (default: a new one)" };
            var model = new Option<string?>("--model") { Description = "virtio, e1000, rtl8139, ..." };
            var key = LongWork.KeyOption();
            var create = new Command("create", "Add a network interface") { guest, network, newMac, model, key };
            cli.Action(create, async (context, ct) => ShowNic(context, await context.Client.NetworkInterfaces.CreateAsync(
                context.Get(guest),
                new NicCreateRequest { Network = context.Get(network), Mac = context.Get(newMac), Model = context.Get(model) },
                LongWork.Options(context, key),
                ct)));
            nic.Subcommands.Add(create);
        }

        {
            var guest = GuestCommands.GuestArgument();
            var mac = MacArgument();
            var moveTo = new Option<string?>("--network") { Description = "Move it to this network" };
            var rate = new Option<long?>("--ratelimit") { Description = "A rate limit in bits per second" };
            var noRate = new Option<bool>("--no-ratelimit") { Description = "Remove the rate limit" };
            var newModel = new Option<string?>("--model") { Description = "A new model" };
            var locking = new Option<string?>("--locking-mode") { Description = "network_default, locked, unlocked or disabled" };
            var active = new Option<bool?>("--active") { Description = "Plug (true) or unplug (false) it on a running guest" };
            var update = new Command("update", "Move a network interface, set its rate limit, locking mode or plug state") { guest, mac, moveTo, rate, noRate, newModel, locking, active };
            cli.Action(update, async (context, ct) =>
            {
                if (context.Get(rate) is not null && context.Get(noRate))
                {
                    throw new CliUsageException("Give --ratelimit or --no-ratelimit, not both.");
                }

                var request = new NicUpdateRequest
                {
                    Network = context.Get(moveTo),
                    RateLimitBitsPerSecond = context.Get(rate),
                    RemoveRateLimit = context.Get(noRate),
                    Model = context.Get(newModel),
                    LockingMode = context.Get(locking),
                    Active = context.Get(active),
                };
                ShowNic(context, await context.Client.NetworkInterfaces.UpdateAsync(context.Get(guest), context.Get(mac), request, ct));
            });
            nic.Subcommands.Add(update);
        }

        {
            var guest = GuestCommands.GuestArgument();
            var mac = MacArgument();
            var delete = new Command("delete", "Remove a network interface") { guest, mac };
            cli.Action(delete, async (context, ct) =>
            {
                await context.Client.NetworkInterfaces.DeleteAsync(context.Get(guest), context.Get(mac), ct);
                context.Done($"Deleted network interface {context.Get(mac)} of {context.Get(guest)}.", new { result = "deleted", guest = context.Get(guest), id = context.Get(mac) });
            });
            nic.Subcommands.Add(delete);
        }
        return nic;
    }

    private static Argument<string> MacArgument() => new("mac") { Description = "The interface's MAC address" };

    private static void ShowNic(CliContext context, NetworkInterface nic) => context.Show(
        nic,
        ("id", n => n.Id),
        ("number", n => n.Number),
        ("mac", n => n.Mac),
        ("network", n => n.Network),
        ("model", n => n.Model),
        ("vlan", n => n.Vlan),
        ("locking_mode", n => n.LockingMode),
        ("ipv4_allowed", n => n.Ipv4Allowed),
        ("ipv6_allowed", n => n.Ipv6Allowed),
        ("rate_limit (kbps)", n => n.RateLimit?.Kbps));

    public static Command Media(SimplestackCli cli)
    {
        var media = new Command("media", "A guest's CD/DVD drive");

        {
            var guest = GuestCommands.GuestArgument();
            var show = new Command("show", "Show the ISO in the drive") { guest };
            cli.Action(show, async (context, ct) => ShowMedia(context, await context.Client.Media.GetAsync(context.Get(guest), ct)));
            media.Subcommands.Add(show);
        }

        {
            var guest = GuestCommands.GuestArgument();
            var iso = new Argument<string>("iso") { Description = "The ISO volume's name" };
            var mount = new Command("mount", "Put an ISO in the drive") { guest, iso };
            cli.Action(mount, async (context, ct) => ShowMedia(context, await context.Client.Media.MountAsync(context.Get(guest), context.Get(iso), ct)));
            media.Subcommands.Add(mount);
        }

        {
            var guest = GuestCommands.GuestArgument();
            var eject = new Command("eject", "Empty the drive") { guest };
            cli.Action(eject, async (context, ct) => ShowMedia(context, await context.Client.Media.EjectAsync(context.Get(guest), ct)));
            media.Subcommands.Add(eject);
        }
        return media;
    }

    private static void ShowMedia(CliContext context, MediaDevice media)
        => context.Show(media, ("name", m => m.Name ?? "(empty)"));

    public static Command Tag(SimplestackCli cli)
    {
        var tag = new Command("tag", "A guest's tags");

        {
            var guest = GuestCommands.GuestArgument();
            var list = new Command("list", "List a guest's tags") { guest };
            cli.Action(list, async (context, ct) => ListTags(context, await context.Client.Tags.ListAsync(context.Get(guest), ct)));
            tag.Subcommands.Add(list);
        }

        {
            var guest = GuestCommands.GuestArgument();
            var name = new Argument<string>("tag") { Description = "The tag" };
            var add = new Command("add", "Add a tag") { guest, name };
            cli.Action(add, async (context, ct) => ListTags(context, await context.Client.Tags.AddAsync(context.Get(guest), context.Get(name), ct)));
            tag.Subcommands.Add(add);
        }

        {
            var guest = GuestCommands.GuestArgument();
            var name = new Argument<string>("tag") { Description = "The tag" };
            var remove = new Command("remove", "Remove a tag") { guest, name };
            cli.Action(remove, async (context, ct) =>
            {
                await context.Client.Tags.RemoveAsync(context.Get(guest), context.Get(name), ct);
                context.Done($"Removed tag {context.Get(name)} from {context.Get(guest)}.", new { result = "removed", guest = context.Get(guest), tag = context.Get(name) });
            });
            tag.Subcommands.Add(remove);
        }
        return tag;
    }

    private static void ListTags(CliContext context, IReadOnlyList<string> tags)
    {
        if (context.Structured)
        {
            context.WriteData(tags);
        }
        else
        {
            context.List(tags, ("TAG", t => t));
        }
    }

    public static Command Snapshot(SimplestackCli cli)
    {
        var snapshot = new Command("snapshot", "A guest's snapshots");

        {
            var guest = GuestCommands.GuestArgument();
            var list = new Command("list", "List a guest's snapshots") { guest };
            cli.Action(list, async (context, ct) => context.List(
                await context.Client.Snapshots.ListAsync(context.Get(guest), ct),
                ("ID", s => s.Id),
                ("STATE", s => s.State),
                ("CREATED", s => s.Created?.UtcDateTime.ToString("u", System.Globalization.CultureInfo.InvariantCulture))));
            snapshot.Subcommands.Add(list);
        }

        {
            var guest = GuestCommands.GuestArgument();
            var name = new Argument<string?>("name") { Description = "The snapshot's name (default: generated)", Arity = ArgumentArity.ZeroOrOne };
            var nameOption = new Option<string?>("--name") { Description = "The snapshot's name, as the positional NAME" };
            var key = LongWork.KeyOption();
            var create = new Command("create", "Take a snapshot: snapshot create GUEST [NAME]") { guest, name, nameOption, key };
            cli.Action(create, async (context, ct) =>
            {
                var (positional, option) = (context.Get(name), context.Get(nameOption));
                if (positional is not null && option is not null && positional != option)
                {
                    throw new CliUsageException($"two names for one snapshot: '{positional}' and --name '{option}'.");
                }

                var options = LongWork.Options(context, key);
                ShowSnapshot(context, await LongWork.FollowAsync(
                    context,
                    $"Snapshotting {context.Get(guest)}",
                    p => context.Client.Snapshots.CreateAsync(context.Get(guest), positional ?? option, options with { Progress = p }, ct),
                    () => context.Client.Snapshots.CreateAsync(context.Get(guest), positional ?? option, options, ct)));
            });
            snapshot.Subcommands.Add(create);
        }

        {
            var guest = GuestCommands.GuestArgument();
            var id = SnapshotArgument();
            var show = new Command("show", "Show a snapshot") { guest, id };
            cli.Action(show, async (context, ct) => ShowSnapshot(context, await context.Client.Snapshots.GetAsync(context.Get(guest), context.Get(id), ct)));
            snapshot.Subcommands.Add(show);
        }

        {
            var guest = GuestCommands.GuestArgument();
            var id = SnapshotArgument();
            var revert = new Command("revert", "Revert the guest to a snapshot") { guest, id };
            cli.Action(revert, async (context, ct) =>
            {
                var result = await context.Client.Snapshots.RevertAsync(context.Get(guest), context.Get(id), ct);
                context.Done($"Reverted {context.Get(guest)} to {context.Get(id)}.", result);
            });
            snapshot.Subcommands.Add(revert);
        }

        {
            var guest = GuestCommands.GuestArgument();
            var id = SnapshotArgument();
            var delete = new Command("delete", "Delete a snapshot") { guest, id };
            cli.Action(delete, async (context, ct) =>
            {
                await context.Client.Snapshots.DeleteAsync(context.Get(guest), context.Get(id), ct);
                context.Done($"Deleted snapshot {context.Get(id)} of {context.Get(guest)}.", new { result = "deleted", guest = context.Get(guest), id = context.Get(id) });
            });
            snapshot.Subcommands.Add(delete);
        }
        return snapshot;
    }

    private static Argument<string> SnapshotArgument() => new("snapshot") { Description = "The snapshot's name" };

    private static void ShowSnapshot(CliContext context, Snapshot snapshot) => context.Show(
        snapshot,
        ("id", s => s.Id),
        ("name", s => s.Name),
        ("state", s => s.State),
        ("created", s => s.Created?.UtcDateTime.ToString("u", System.Globalization.CultureInfo.InvariantCulture)),
        ("path", s => s.Path));
}
