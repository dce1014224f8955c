using System.Text.Json;
using Simplestack.Cli;

namespace Simplestack.Client.Tests.Cli;

/// <summary>The <c>simplestack</c> command run in process against the in-process gateway.</summary>
public sealed class CliTests(GatewayFactory factory) : CliTestBase(factory)
{
    [Fact]
    public async Task Guest_list_prints_a_table_and_json()
    {
        var table = await RunAsync("guest", "list");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("NAME", table.Out, StringComparison.Ordinal);
        Assert.Contains("STATE", table.Out, StringComparison.Ordinal);
        Assert.Matches(@"test\s+STARTED", table.Out);
        Assert.Empty(table.Error);

        var json = await RunAsync("guest", "list", "--json");
        Assert.Equal(0, json.ExitCode);
        var test = Assert.Single(json.Json.EnumerateArray(), g => g.GetProperty("name").GetString() == "test");
        Assert.Equal("STARTED", test.GetProperty("state").GetString());
        Assert.True(test.TryGetProperty("state_detail", out _));
    }

    [Fact]
    public async Task Guest_list_filters_and_wait_ip_prints_the_address()
    {
        var prefix = UniqueName("clif");
        var tagged = await CreateGuestAsync($"{prefix}-1");
        await CreateGuestAsync($"{prefix}-2");
        await Sdk.Tags.AddAsync(tagged.Id, prefix, Ct);

        var byName = await RunAsync("guest", "list", "--name", $"{prefix}-*", "--state", "stopped", "--json");
        Assert.Equal(0, byName.ExitCode);
        Assert.Equal(2, byName.Json.GetArrayLength());
        var byTag = await RunAsync("guest", "list", "--tag", prefix);
        Assert.Equal(0, byTag.ExitCode);
        Assert.Contains(tagged.Name, byTag.Out, StringComparison.Ordinal);
        Assert.DoesNotContain($"{prefix}-2", byTag.Out, StringComparison.Ordinal);
        Assert.NotEqual(0, (await RunAsync("guest", "list", "--state", "running")).ExitCode);

        var ip = await RunAsync("guest", "wait-ip", "test", "--timeout", "5");
        Assert.Equal(0, ip.ExitCode);
        Assert.Equal((await Sdk.Guests.GetAsync("test", Ct)).Ip, ip.Out.Trim());
        var timedOut = await RunAsync("guest", "wait-ip", tagged.Name, "--timeout", "0");
        Assert.NotEqual(0, timedOut.ExitCode);
        Assert.Contains("504", timedOut.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_power_and_delete_a_guest()
    {
        var name = UniqueName();
        var created = await RunAsync("guest", "create", name, "--memory", "128", "--cpus", "1", "--disk", "1", "--network", "default", "--json");
        Assert.Equal(0, created.ExitCode);
        Assert.Equal(name, created.Json.GetProperty("name").GetString());
        Assert.Equal("STOPPED", created.Json.GetProperty("state").GetString());
        Assert.Equal(128, (await Sdk.Guests.GetAsync(name, Ct)).Memory);

        var start = await RunAsync("guest", "power", "start", name);
        Assert.Equal(0, start.ExitCode);
        Assert.Contains("start: ok", start.Out, StringComparison.Ordinal);
        Assert.Equal(Models.GuestState.Started, (await Sdk.Guests.GetAsync(name, Ct)).State);

        var again = await RunAsync("guest", "power", "start", name);
        Assert.Equal(ExitCodes.Conflict, again.ExitCode);
        Assert.Single(again.Error.Trim().Split('\n'));
        Assert.StartsWith("simplestack: ", again.Error, StringComparison.Ordinal);
        Assert.Contains("409", again.Error, StringComparison.Ordinal);

        Assert.Equal(0, (await RunAsync("guest", "reboot", name, "--force")).ExitCode);
        Assert.Equal(0, (await RunAsync("guest", "power", "pause", name)).ExitCode);
        Assert.Equal(Models.GuestState.Paused, (await Sdk.Guests.GetAsync(name, Ct)).State);
        Assert.Equal(0, (await RunAsync("guest", "power", "resume", name)).ExitCode);
        Assert.Equal(0, (await RunAsync("guest", "power", "force-stop", name, "--wait", "30")).ExitCode);
        Assert.Equal(Models.GuestState.Stopped, (await Sdk.Guests.GetAsync(name, Ct)).State);

        var shown = await RunAsync("guest", "show", name);
        Assert.Matches(@"state\s+STOPPED", shown.Out);
        Assert.Matches(@"memory \(MiB\)\s+128", shown.Out);

        var updated = await RunAsync("guest", "update", name, "--memory", "256", "--json");
        Assert.Equal(0, updated.ExitCode);
        Assert.Equal(256, updated.Json.GetProperty("memory").GetInt64());

        var deleted = await RunAsync("guest", "delete", name, "--json");
        Assert.Equal(0, deleted.ExitCode);
        Assert.Equal("deleted", deleted.Json.GetProperty("result").GetString());
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Sdk.Guests.GetAsync(name, Ct));
    }

    [Fact]
    public async Task Exit_codes_and_one_line_errors()
    {
        var missing = await RunAsync("guest", "show", "no-such-guest");
        Assert.Equal(ExitCodes.NotFound, missing.ExitCode);
        Assert.Equal("simplestack: guest 'no-such-guest' was not found. (404 EntityNotFound)", missing.Error.Trim());
        Assert.Empty(missing.Out);

        Assert.Equal(ExitCodes.Usage, (await RunAsync("guest", "frobnicate")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await RunAsync("guest", "create", "x")).ExitCode); // neither --memory nor --size
        Assert.Equal(ExitCodes.Usage, (await RunAsync("guest", "create", "x", "--memory", "0")).ExitCode); // 400 from the gateway
        Assert.Equal(ExitCodes.NotFound, (await RunAsync("--location", "elsewhere", "guest", "list")).ExitCode); // unknown hypervisor
        Assert.Equal(ExitCodes.Auth, (await RunAsync("--hypervisor", "kvm", "--host", "10.9.9.9", "guest", "list")).ExitCode);
        Assert.Equal(ExitCodes.Configuration, (await RunAsync("--location", "nowhere", "guest", "list")).ExitCode);
        var guest = UniqueName();
        Assert.Equal(0, (await RunAsync("guest", "create", guest, "--memory", "64", "--disk", "1")).ExitCode);
        var grow = await RunAsync("disk", "update", guest, "vda", "--size", "2"); // the test hypervisor cannot resize volumes
        Assert.Equal(ExitCodes.NotImplemented, grow.ExitCode);
        Assert.Contains("(501 Feature", grow.Error, StringComparison.Ordinal);

        var badConfig = await RunCliWithConfigAsync("[lab]\nhost = x\n", "guest", "list");
        Assert.Equal(ExitCodes.Configuration, badConfig.ExitCode);
        Assert.Contains("[default]", badConfig.Error, StringComparison.Ordinal);
    }

    private static async Task<Run> RunCliWithConfigAsync(string text, params string[] args)
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, text, Ct);
            var output = new StringWriter();
            var error = new StringWriter();
            var code = await new SimplestackCli(new CliEnvironment { Out = output, Error = error }).RunAsync(["--config", file, .. args], Ct);
            return new Run(code, output.ToString(), error.ToString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task An_unreachable_gateway_is_exit_8()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await new SimplestackCli(new CliEnvironment { Out = output, Error = error })
            .RunAsync(["--config", ConfigPath, "--gateway", "http://127.0.0.1:1", "guest", "list"], Ct);
        Assert.Equal(ExitCodes.Unreachable, code);
        Assert.StartsWith("simplestack: cannot reach the gateway", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Devices_tags_snapshots_through_the_cli()
    {
        var name = UniqueName();
        Assert.Equal(0, (await RunAsync("guest", "create", name, "--memory", "64")).ExitCode);

        var disk = await RunAsync("disk", "create", name, "--size", "1", "--json");
        Assert.Equal(0, disk.ExitCode);
        var diskId = disk.Json.GetProperty("id").GetString()!;
        Assert.Contains(diskId, (await RunAsync("disk", "list", name)).Out, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync("disk", "show", name, diskId)).ExitCode);
        Assert.Equal(0, (await RunAsync("disk", "delete", name, diskId)).ExitCode);
        Assert.Empty(await Sdk.Disks.ListAsync(name, Ct));

        var nic = await RunAsync("nic", "create", name, "--network", "default", "--json");
        var mac = nic.Json.GetProperty("id").GetString()!;
        Assert.Equal(0, (await RunAsync("nic", "update", name, mac, "--ratelimit", "8000000")).ExitCode);
        Assert.NotNull((await Sdk.NetworkInterfaces.GetAsync(name, mac, Ct)).RateLimit);
        Assert.Equal(0, (await RunAsync("nic", "update", name, mac, "--no-ratelimit")).ExitCode);
        Assert.Null((await Sdk.NetworkInterfaces.GetAsync(name, mac, Ct)).RateLimit);
        Assert.Contains(mac, (await RunAsync("nic", "list", name)).Out, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync("nic", "show", name, mac)).ExitCode);
        Assert.Equal(0, (await RunAsync("nic", "delete", name, mac)).ExitCode);

        var tags = await RunAsync("tag", "add", name, "web", "--json");
        Assert.Equal(["web"], tags.Json.EnumerateArray().Select(t => t.GetString()));
        Assert.Contains("web", (await RunAsync("tag", "list", name)).Out, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync("tag", "remove", name, "web")).ExitCode);
        Assert.Empty(await Sdk.Tags.ListAsync(name, Ct));

        Assert.Equal(0, (await RunAsync("snapshot", "create", name, "--name", "s1")).ExitCode);
        Assert.Contains("s1", (await RunAsync("snapshot", "list", name)).Out, StringComparison.Ordinal);
        Assert.Equal("s1", (await RunAsync("snapshot", "show", name, "s1", "--json")).Json.GetProperty("name").GetString());
        Assert.Equal(0, (await RunAsync("snapshot", "revert", name, "s1")).ExitCode);
        Assert.Equal(0, (await RunAsync("snapshot", "delete", name, "s1")).ExitCode);
        Assert.Empty(await Sdk.Snapshots.ListAsync(name, Ct));

        var media = await RunAsync("media", "show", name, "--json");
        Assert.Equal(JsonValueKind.Null, media.Json.GetProperty("name").ValueKind);
        Assert.Equal(0, (await RunAsync("media", "eject", name)).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await RunAsync("media", "mount", name, "no-such.iso")).ExitCode);
    }

    [Fact]
    public async Task Infrastructure_listings()
    {
        Assert.Contains("default-pool", (await RunAsync("storage", "list")).Out, StringComparison.Ordinal);
        Assert.Equal("default-pool", (await RunAsync("storage", "show", "default-pool", "--json")).Json.GetProperty("name").GetString());
        Assert.Contains("default", (await RunAsync("network", "list")).Out, StringComparison.Ordinal);
        var network = UniqueName("net");
        Assert.Equal(0, (await RunAsync("network", "create", network, "--description", "cli")).ExitCode);
        Assert.Equal(network, (await RunAsync("network", "show", network, "--json")).Json.GetProperty("id").GetString());
        Assert.Equal(0, (await RunAsync("network", "delete", network)).ExitCode);
        Assert.Equal(ExitCodes.NotFound, (await RunAsync("network", "show", network)).ExitCode);

        var hosts = await RunAsync("host", "list", "--json");
        var host = hosts.Json.EnumerateArray().Single().GetProperty("id").GetString()!;
        Assert.Equal(0, (await RunAsync("host", "show", host)).ExitCode);
        Assert.True((await RunAsync("pool", "show", "--json")).Json.GetProperty("total_memory").GetInt64() > 0);

        var locations = await RunAsync("location", "list", "--json");
        Assert.Equal(["default", "elsewhere"], locations.Json.EnumerateArray().Select(l => l.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Section_6_listings_through_the_cli()
    {
        var sizes = await RunAsync("size", "list", "--json");
        Assert.Equal(0, sizes.ExitCode);
        Assert.Contains(sizes.Json.EnumerateArray(), s => s.GetProperty("id").GetString() == "tiny" && s.GetProperty("source").GetString() == "configuration");
        Assert.Contains(sizes.Json.EnumerateArray(), s => s.GetProperty("id").GetString() == "m1.small");

        var name = UniqueName();
        Assert.Equal(0, (await RunAsync("guest", "create", name, "--size", "tiny")).ExitCode);
        Assert.Equal(64, (await Sdk.Guests.GetAsync(name, Ct)).Memory);
        Assert.NotEmpty((await RunAsync("image", "list", "--json")).Json.EnumerateArray());
        var volume = UniqueName("vol") + ".img";
        Assert.Equal(0, (await RunAsync("volume", "create", "default-pool", volume, "--size", "1")).ExitCode);
        Assert.Contains(volume, (await RunAsync("volume", "list")).Out, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync("volume", "show", "default-pool", volume)).ExitCode);
        Assert.Equal(0, (await RunAsync("volume", "delete", "default-pool", volume)).ExitCode);
        Assert.Equal(ExitCodes.NotFound, (await RunAsync("volume", "show", "default-pool", volume)).ExitCode);
    }

    [Fact]
    public async Task Volume_attach_and_detach_keep_the_volume()
    {
        var guest = UniqueName();
        Assert.Equal(0, (await RunAsync("guest", "create", guest, "--memory", "64")).ExitCode);
        var volume = UniqueName("vol") + ".img";
        var created = await RunAsync("volume", "create", "default-pool", volume, "--size", "1", "--json");
        Assert.Equal(0, created.ExitCode);
        var path = created.Json.GetProperty("path").GetString();

        var attach = await RunAsync("volume", "attach", "default-pool", volume, guest, "--json");
        Assert.Equal(0, attach.ExitCode);
        Assert.Equal(path, attach.Json.GetProperty("path").GetString());
        var disks = await RunAsync("disk", "list", guest, "--json");
        Assert.Equal(path, Assert.Single(disks.Json.EnumerateArray()).GetProperty("path").GetString());
        Assert.Contains(guest, (await RunAsync("volume", "show", "default-pool", volume)).Out, StringComparison.Ordinal); // used_by

        var detach = await RunAsync("volume", "detach", "default-pool", volume);
        Assert.Equal(0, detach.ExitCode);
        Assert.Contains("kept", detach.Out, StringComparison.Ordinal);
        Assert.Empty((await RunAsync("disk", "list", guest, "--json")).Json.EnumerateArray());
        Assert.Equal(path, (await RunAsync("volume", "show", "default-pool", volume, "--json")).Json.GetProperty("path").GetString());

        var again = await RunAsync("volume", "detach", "default-pool", volume);
        Assert.Equal(ExitCodes.Conflict, again.ExitCode);
        Assert.Contains("not attached", again.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, (await RunAsync("volume", "attach", "default-pool", "no-such.img", guest)).ExitCode);
        Assert.Equal(ExitCodes.NotImplemented, (await RunAsync("volume", "attach", "default-pool", volume, "test")).ExitCode); // running, no hot-plug

        // --guest detaches from that guest only.
        Assert.Equal(0, (await RunAsync("volume", "attach", "default-pool", volume, guest)).ExitCode);
        Assert.Equal(ExitCodes.Conflict, (await RunAsync("volume", "detach", "default-pool", volume, "--guest", "test")).ExitCode);
        var json = await RunAsync("volume", "detach", "default-pool", volume, "--guest", guest, "--json");
        Assert.Equal(0, json.ExitCode);
        Assert.Equal(guest, Assert.Single(json.Json.GetProperty("disks").EnumerateArray()).GetProperty("guest").GetString());
        Assert.Equal(0, (await RunAsync("volume", "delete", "default-pool", volume)).ExitCode);
    }

    [Fact]
    public async Task Export_import_and_clone_with_progress()
    {
        var name = UniqueName();
        Assert.Equal(0, (await RunAsync("guest", "create", name, "--memory", "64")).ExitCode);
        var file = Path.Combine(Path.GetTempPath(), $"{name}.tar");
        try
        {
            var export = await RunAsync("guest", "export", name, "-o", file, "--json");
            Assert.Equal(0, export.ExitCode);
            Assert.True(File.Exists(file));
            Assert.Equal(new FileInfo(file).Length, export.Json.GetProperty("bytes").GetInt64());
            Assert.Contains("Exporting", export.Error, StringComparison.Ordinal); // the progress bar, on stderr

            var clone = await RunAsync("guest", "clone", name, name + "-c");
            Assert.Equal(0, clone.ExitCode);
            Assert.Contains("Cloning", clone.Error, StringComparison.Ordinal);
            Assert.Equal(name + "-c", (await Sdk.Guests.GetAsync(name + "-c", Ct)).Name);

            Assert.Equal(0, (await RunAsync("guest", "delete", name)).ExitCode);
            var import = await RunAsync("guest", "import", file, "--json");
            Assert.Equal(0, import.ExitCode);
            Assert.Equal(name, import.Json.GetProperty("name").GetString());
            Assert.Contains("Importing", import.Error, StringComparison.Ordinal);
            Assert.Equal(name, (await Sdk.Guests.GetAsync(name, Ct)).Name);

            Assert.Equal(ExitCodes.Usage, (await RunAsync("guest", "import", file + ".missing")).ExitCode);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
