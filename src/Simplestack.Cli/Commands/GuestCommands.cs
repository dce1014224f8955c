using System.CommandLine;
using System.Globalization;
using Simplestack.Client.Models;

namespace Simplestack.Cli.Commands;

/// <summary><c>simplestack guest ...</c></summary>
internal static class GuestCommands
{
    public static Command Build(SimplestackCli cli)
    {
        var guest = new Command("guest", "Guests (virtual machines and containers)");
        guest.Subcommands.Add(List(cli));
        guest.Subcommands.Add(Show(cli));
        guest.Subcommands.Add(WaitIp(cli));
        guest.Subcommands.Add(Create(cli));
        guest.Subcommands.Add(Update(cli));
        guest.Subcommands.Add(Delete(cli));
        guest.Subcommands.Add(Clone(cli));
        guest.Subcommands.Add(Export(cli));
        guest.Subcommands.Add(Import(cli));
        guest.Subcommands.Add(Power(cli));
        guest.Subcommands.Add(Reboot(cli));
        guest.Subcommands.Add(ConsoleCommand.Build(cli));
        return guest;
    }

    internal static Argument<string> GuestArgument() => new("guest") { Description = "The guest's id (UUID) or name" };

    internal static void ShowGuest(CliContext context, Guest guest)
        => context.Show(
            guest,
            ("id", g => g.Id),
            ("name", g => g.Name),
            ("state", g => GuestStateConverter.ToWire(g.State)),
            ("state_detail", g => g.StateDetail),
            ("cpus", g => g.Cpus),
            ("memory (MiB)", g => g.Memory),
            ("hdd (GiB)", g => g.Hdd),
            ("ip", g => g.Ip),
            ("ips", g => g.Ips),
            ("host", g => g.Host),
            ("paravirtualized", g => g.Paravirtualized),
            ("applied", g => g.Applied is null ? null : string.Join(", ", g.Applied.Select(a => $"{a.Key}: {a.Value}"))));

    private static Command List(SimplestackCli cli)
    {
        var state = new Option<string?>("--state") { Description = "Only guests in this state: started, stopped or paused" };
        state.AcceptOnlyFromAmong("started", "stopped", "paused");
        var name = new Option<string?>("--name") { Description = "Only guests whose whole name matches this glob (* any characters, ? one)" };
        var tag = new Option<string?>("--tag") { Description = "Only guests carrying this tag" };
        var command = new Command("list", "List guests") { state, name, tag };
        cli.Action(command, async (context, ct) =>
        {
            var filter = new GuestFilter(
                context.Get(state) switch
                {
                    "started" => GuestState.Started,
                    "stopped" => GuestState.Stopped,
                    "paused" => GuestState.Paused,
                    _ => null,
                },
                context.Get(name),
                context.Get(tag));
            var guests = filter == new GuestFilter()
                ? await context.Client.Guests.ListAsync(ct)
                : await context.Client.Guests.ListAsync(filter, ct);
            context.List(
                guests,
                ("ID", g => g.Id),
                ("NAME", g => g.Name),
                ("STATE", g => GuestStateConverter.ToWire(g.State)),
                ("CPUS", g => g.Cpus),
                ("MEMORY (MiB)", g => g.Memory),
                ("HDD (GiB)", g => g.Hdd),
                ("IP", g => g.Ip));
        });
        return command;
    }

    private static Command Show(SimplestackCli cli)
    {
        var id = GuestArgument();
        var command = new Command("show", "Show a guest") { id };
        cli.Action(command, async (context, ct) => ShowGuest(context, await context.Client.Guests.GetAsync(context.Get(id), ct)));
        return command;
    }

    private static Command WaitIp(SimplestackCli cli)
    {
        var id = GuestArgument();
        var timeout = new Option<double?>("--timeout") { Description = "Wait at most this many seconds (the gateway's default when absent)" };
        var command = new Command("wait-ip", "Wait until a guest reports an address, then print it") { id, timeout };
        cli.Action(command, async (context, ct) =>
        {
            var seconds = context.Get(timeout);
            var guest = await context.Client.Guests.WaitForIpAsync(context.Get(id), seconds is { } s ? TimeSpan.FromSeconds(s) : null, ct);
            context.Done(guest.Ip ?? string.Empty, guest); // the address alone, for scripts; the guest with -o json
        });
        return command;
    }

    private static Command Create(SimplestackCli cli)
    {
        var name = new Argument<string>("name") { Description = "The new guest's name" };
        var memory = new Option<long?>("--memory", "-m") { Description = "Memory in MiB (or take it from --size)" };
        var cpus = new Option<int?>("--cpus") { Description = "Virtual CPUs" };
        var size = new Option<string?>("--size") { Description = "An instance type (see 'simplestack size list') giving cpus, memory and disk" };
        var image = new Option<string?>("--image") { Description = "Start the boot disk from this image (see 'simplestack image list')" };
        var imageCopy = new Option<string?>("--image-copy") { Description = "overlay (default) or full" };
        imageCopy.AcceptOnlyFromAmong("overlay", "full");
        var disks = new Option<string[]>("--disk") { Description = "A disk of SIZE GiB, optionally in a pool: SIZE[:STORAGE] (repeatable)", AllowMultipleArgumentsPerToken = false };
        var networks = new Option<string[]>("--network") { Description = "A NIC on this network (repeatable)" };
        var cdrom = new Option<string?>("--cdrom") { Description = "An ISO volume to put in the CD-ROM drive" };
        var userData = new Option<FileInfo?>("--user-data") { Description = "A cloud-init user-data file for the NoCloud seed" };
        var sshKeys = new Option<FileInfo[]>("--ssh-key") { Description = "A public key file for the NoCloud seed (repeatable)" };
        var domainType = new Option<string?>("--domain-type") { Description = "kvm or qemu (software emulation)" };
        var start = new Option<bool>("--start") { Description = "Start the guest once created" };
        var key = LongWork.KeyOption();
        var command = new Command("create", "Create a guest")
        {
            name, memory, cpus, size, image, imageCopy, disks, networks, cdrom, userData, sshKeys, domainType, start, key,
        };
        cli.Action(command, async (context, ct) =>
        {
            long? mem = context.Get(memory);
            int? cpu = context.Get(cpus);
            var diskSpecs = (context.Get(disks) ?? []).Select(ParseDisk).ToList();
            if (context.Get(size) is { } sizeName)
            {
                var sizes = await context.Driver.ListSizesAsync(cancellationToken: ct);
                var chosen = sizes.FirstOrDefault(s => s.Id.Equals(sizeName, StringComparison.OrdinalIgnoreCase))
                    ?? throw new CliUsageException($"No instance type '{sizeName}'; known: {string.Join(", ", sizes.Select(s => s.Id))}.");
                mem ??= chosen.Ram;
                cpu ??= chosen.Cpus;
                if (diskSpecs.Count == 0 && chosen.Disk is { } gib)
                {
                    diskSpecs.Add(new DiskSpec(gib));
                }
            }

            if (mem is null)
            {
                throw new CliUsageException("Give --memory MiB or --size NAME.");
            }

            var request = new GuestCreateRequest
            {
                Name = context.Get(name),
                Memory = mem.Value,
                Cpus = cpu,
                Image = context.Get(image),
                ImageCopy = context.Get(imageCopy),
                Disks = diskSpecs.Count > 0 ? diskSpecs : null,
                NetworkInterfaces = context.Get(networks) is { Length: > 0 } nets ? [.. nets.Select(n => new NicSpec(n))] : null,
                Cdrom = context.Get(cdrom),
                UserData = context.Get(userData) is { } file ? await File.ReadAllTextAsync(file.FullName, ct) : null,
                SshKeys = context.Get(sshKeys) is { Length: > 0 } keys
                    ? [.. await Task.WhenAll(keys.Select(async k => (await File.ReadAllTextAsync(k.FullName, ct)).Trim()))]
                    : null,
                DomainType = context.Get(domainType),
                Start = context.Get(start) ? true : null,
            };
            var options = LongWork.Options(context, key);

            // Only an image's copy or an install is long enough to follow.
            var guest = request.Image is not null || request.Cdrom is not null
                ? await LongWork.FollowAsync(
                    context,
                    $"Creating {request.Name}",
                    p => context.Client.Guests.CreateAsync(request, options with { Progress = p }, ct),
                    () => context.Client.Guests.CreateAsync(request, options, ct))
                : await context.Client.Guests.CreateAsync(request, options, ct);
            ShowGuest(context, guest);
        });
        return command;
    }

    private static DiskSpec ParseDisk(string text)
    {
        var parts = text.Split(':', 2);
        if (!double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var gib) || gib <= 0)
        {
            throw new CliUsageException($"--disk takes SIZE[:STORAGE] with SIZE in GiB, not '{text}'.");
        }

        return new DiskSpec(gib, parts.Length == 2 && parts[1].Length > 0 ? parts[1] : null);
    }

    private static Command Update(SimplestackCli cli)
    {
        var id = GuestArgument();
        var name = new Option<string?>("--name") { Description = "A new name" };
        var cpus = new Option<int?>("--cpus") { Description = "Virtual CPUs" };
        var memory = new Option<long?>("--memory", "-m") { Description = "Memory in MiB" };
        var hdd = new Option<double?>("--hdd") { Description = "The wanted total disk size in GiB (the last disk grows)" };
        var vcpusMax = new Option<int?>("--vcpus-max") { Description = "The most virtual CPUs the guest may have (next boot)" };
        var vcpusLive = new Option<int?>("--vcpus-live") { Description = "Virtual CPUs of the running guest, now" };
        var memoryLive = new Option<long?>("--memory-live") { Description = "Memory in MiB the running guest settles at, now" };
        var command = new Command("update", "Change a guest's name, cpus, memory or disk size") { id, name, cpus, memory, hdd, vcpusMax, vcpusLive, memoryLive };
        cli.Action(command, async (context, ct) =>
        {
            var request = new GuestUpdateRequest
            {
                Name = context.Get(name), Cpus = context.Get(cpus), Memory = context.Get(memory), Hdd = context.Get(hdd),
                VcpusMax = context.Get(vcpusMax), VcpusNumberLive = context.Get(vcpusLive), MemoryTargetLive = context.Get(memoryLive),
            };
            if (request == new GuestUpdateRequest())
            {
                throw new CliUsageException("Nothing to change: give --name, --cpus, --memory, --hdd, --vcpus-max, --vcpus-live or --memory-live.");
            }

            ShowGuest(context, await context.Client.Guests.UpdateAsync(context.Get(id), request, ct));
        });
        return command;
    }

    private static Command Delete(SimplestackCli cli)
    {
        var id = GuestArgument();
        var keep = new Option<bool>("--keep-disks") { Description = "Keep every volume of the guest" };
        var force = new Option<bool>("--force", "-f") { Description = "Delete a running or paused guest without asking" };
        var command = new Command(
            "delete",
            "Delete a guest with its snapshots and the volumes created for it; a running one needs --force or a yes on the terminal")
        {
            id, keep, force,
        };
        cli.Action(command, async (context, ct) =>
        {
            if (!context.Get(force))
            {
                // As incus: a running guest is not deleted by accident. Scripts say --force; a person is asked.
                var guest = await context.Client.Guests.GetAsync(context.Get(id), ct);
                if (guest.State is GuestState.Started or GuestState.Paused)
                {
                    var state = GuestStateConverter.ToWire(guest.State);
                    if (!context.Confirm($"Guest '{guest.Name}' is {state}. Delete it?"))
                    {
                        throw new CliConflictException(context.Cli.Environment.CanPrompt
                            ? $"guest '{guest.Name}' was not deleted."
                            : $"guest '{guest.Name}' is {state}: stop it first, or give --force to delete it anyway.");
                    }
                }
            }

            await context.Client.Guests.DeleteAsync(context.Get(id), context.Get(keep), ct);
            context.Done($"Deleted guest {context.Get(id)}.", new { result = "deleted", id = context.Get(id) });
        });
        return command;
    }

    private static Command Clone(SimplestackCli cli)
    {
        var id = GuestArgument();
        var name = new Argument<string>("name") { Description = "The clone's name" };
        var key = LongWork.KeyOption();
        var command = new Command("clone", "Clone a stopped guest (new id, new MACs, copied disks)") { id, name, key };
        cli.Action(command, async (context, ct) =>
        {
            var client = context.Client;
            var source = context.Get(id);
            long bytes = 0;
            try
            {
                bytes = (await client.Disks.ListAsync(source, ct)).Sum(d => d.SizeBytes ?? (long)(d.Size * (1L << 30)));
            }
            catch (Client.SimplestackApiException)
            {
                // The clone's own answer will say what is wrong.
            }

            var options = LongWork.Options(context, key);
            var description = $"Cloning {source} to {context.Get(name)} ({Transfers.Bytes(bytes)} of disks)";
            var clone = await LongWork.FollowAsync(
                context,
                description,
                p => client.Guests.CloneAsync(source, context.Get(name), options with { Progress = p }, ct),
                () => Transfers.WithSpinnerAsync(context, description, () => client.Guests.CloneAsync(source, context.Get(name), options, ct)));
            ShowGuest(context, clone);
        });
        return command;
    }

    private static Command Export(SimplestackCli cli)
    {
        var id = GuestArgument();
        var output = new Option<string>("--output", "-o") { Description = "The archive to write ('-' for standard output)", Required = true };
        var command = new Command("export", "Export a stopped guest as an archive (manifest, domain.xml, disks)") { id, output };
        cli.Action(command, async (context, ct) =>
        {
            var target = context.Get(output);
            await using var export = await context.Client.Guests.OpenExportAsync(context.Get(id), ct);
            if (target == "-")
            {
                await using var stdout = Console.OpenStandardOutput();
                await export.CopyToAsync(stdout, null, ct);
                return;
            }

            var path = Path.GetFullPath(target);
            var partial = path + ".part";
            long written;
            await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                written = await Transfers.WithProgressAsync(context, $"Exporting {context.Get(id)}", export.Length, p => export.CopyToAsync(file, p, ct));
            }

            File.Move(partial, path, overwrite: true);
            context.Done($"Exported {context.Get(id)} to {path} ({Transfers.Bytes(written)}).", new { result = "exported", id = context.Get(id), file = path, bytes = written });
        });
        return command;
    }

    private static Command Import(SimplestackCli cli)
    {
        var file = new Argument<FileInfo>("file") { Description = "An archive written by 'guest export'" };
        var storage = new Option<string?>("--storage") { Description = "The storage pool for the guest's disks" };
        var key = LongWork.KeyOption();
        var command = new Command("import", "Import a guest from an export archive") { file, storage, key };
        cli.Action(command, async (context, ct) =>
        {
            var info = context.Get(file);
            if (!info.Exists)
            {
                throw new CliUsageException($"No such file: {info.FullName}");
            }

            await using var stream = new FileStream(info.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            var options = LongWork.Options(context, key);

            // Followed, the gateway's progress covers the upload (it counts what it reads) and the disks' conversion.
            var guest = await LongWork.FollowAsync(
                context,
                $"Importing {info.Name}",
                p => context.Client.Guests.ImportAsync(stream, context.Get(storage), null, options with { Progress = p }, ct),
                () => Transfers.WithProgressAsync(
                    context, $"Importing {info.Name}", info.Length, p => context.Client.Guests.ImportAsync(stream, context.Get(storage), p, options, ct)));
            ShowGuest(context, guest);
        });
        return command;
    }

    private static Command Power(SimplestackCli cli)
    {
        var power = new Command("power", "Start, stop, force-stop, pause or resume a guest");
        foreach (var (word, action, text) in new[]
                 {
                     ("start", PowerAction.Start, "Start a guest"),
                     ("stop", PowerAction.Stop, "Ask a guest to shut down (ACPI)"),
                     ("force-stop", PowerAction.ForceStop, "Stop a guest at once (pull the plug)"),
                     ("pause", PowerAction.Pause, "Pause a guest"),
                     ("resume", PowerAction.Resume, "Resume a paused guest"),
                 })
        {
            var id = GuestArgument();
            var wait = new Option<double?>("--wait") { Description = "Wait up to this many seconds for the state to be reached" };
            var command = new Command(word, text) { id, wait };
            cli.Action(command, async (context, ct) =>
            {
                var seconds = context.Get(wait);
                var result = await context.Client.Power.SetAsync(
                    context.Get(id), action, seconds is { } s ? TimeSpan.FromSeconds(s) : null, ct);
                context.Done($"{word}: {result.Message}", result);
            });
            power.Subcommands.Add(command);
        }

        return power;
    }

    private static Command Reboot(SimplestackCli cli)
    {
        var id = GuestArgument();
        var force = new Option<bool>("--force") { Description = "Reset the guest instead of asking it" };
        var command = new Command("reboot", "Reboot a guest") { id, force };
        cli.Action(command, async (context, ct) =>
        {
            var result = await context.Client.Power.RebootAsync(context.Get(id), context.Get(force), ct);
            context.Done($"reboot: {result.Message}", result);
        });
        return command;
    }
}
