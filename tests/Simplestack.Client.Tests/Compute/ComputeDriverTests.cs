using Simplestack.Client.Compute;
using Simplestack.Client.Compute.Deployment;
using Simplestack.Client.Configuration;
using Simplestack.Client.Models;

namespace Simplestack.Client.Tests.Compute;

public class ComputeDriverTests : GatewayTestBase, IDisposable
{
    private const string ConfigText = """
        [default]
        gateway_url = http://127.0.0.1:1
        hypervisor = test
        host = default

        [second]
        gateway_url = http://127.0.0.1:2

        [instance_types]
        tiny = 1, 128
        m1.small = 1, 100
        """;

    private readonly ComputeDriver _driver;

    public ComputeDriverTests(GatewayFactory factory)
        : base(factory)
    {
        // Every location reaches the in-process gateway; the URLs in the file are not dialled.
        _driver = new ComputeDriver(SimplestackConfiguration.Parse(ConfigText, "test.cfg"), httpFactory: _ => factory.CreateRecordingClient());
    }

    public void Dispose()
    {
        _driver.Dispose();
        GC.SuppressFinalize(this);
    }

    private static NodeSize Tiny => new("tiny", "tiny", 1, 128, null);

    [Fact]
    public async Task Locations_are_the_sections_of_the_file()
    {
        var locations = await _driver.ListLocationsAsync(Ct);
        Assert.Equal(["default", "second"], locations.Select(l => l.Id));
        Assert.Equal("test", locations[1].Configuration.Hypervisor); // inherited
        Assert.Equal(new Uri("http://127.0.0.1:2"), locations[1].Configuration.GatewayUrl);
    }

    [Fact]
    public async Task Nodes_keep_the_gateway_state_and_the_native_word()
    {
        var nodes = await _driver.ListNodesAsync(cancellationToken: Ct);
        var test = Assert.Single(nodes, n => n.Name == "test");
        Assert.Equal(NodeState.Running, test.State);
        Assert.Equal(GuestState.Started, test.GatewayState);
        Assert.Equal("running", test.NativeState);
        Assert.Equal("default", test.Location.Id);
        Assert.Equal(2, test.Extra["cpus"]);

        var read = await _driver.GetNodeAsync("test", cancellationToken: Ct);
        Assert.Equal(test.Id, read.Id);
        Assert.All(read.PrivateIps, ip => Assert.True(IpAddresses.IsPrivate(ip)));
    }

    [Fact]
    public async Task Node_lifecycle_create_stop_start_reboot_destroy()
    {
        var name = UniqueName("node");
        var node = await _driver.CreateNodeAsync(name, Tiny, cancellationToken: Ct);
        Assert.Equal(name, node.Name);
        Assert.Equal(NodeState.Running, node.State);
        Assert.Equal(Tiny.Id, node.Size?.Id);

        var guest = await Sdk.Guests.GetAsync(node.Id, Ct);
        Assert.Equal(128, guest.Memory);
        Assert.Equal(GuestState.Started, guest.State);
        var nic = Assert.Single(await Sdk.NetworkInterfaces.ListAsync(node.Id, Ct));
        Assert.Equal("default", nic.Network); // the network named default, chosen by the driver

        Assert.True(await _driver.RebootNodeAsync(node, cancellationToken: Ct));
        Assert.True(await _driver.StopNodeAsync(node, force: true, cancellationToken: Ct));
        Assert.Equal(NodeState.Stopped, (await _driver.GetNodeAsync(node.Id, cancellationToken: Ct)).State);
        Assert.True(await _driver.StartNodeAsync(node, Ct));
        Assert.Equal(NodeState.Running, (await _driver.GetNodeAsync(node.Id, cancellationToken: Ct)).State);

        Assert.True(await _driver.DestroyNodeAsync(node, Ct));
        Assert.DoesNotContain(await _driver.ListNodesAsync(cancellationToken: Ct), n => n.Id == node.Id);
    }

    [Fact]
    public async Task Create_node_passes_ssh_keys_networks_and_a_stopped_start()
    {
        var name = UniqueName("node");
        var node = await _driver.CreateNodeAsync(
            name,
            Tiny with { Disk = 1 },
            options: new CreateNodeOptions { Networks = [], Start = false },
            cancellationToken: Ct);
        Assert.Equal(NodeState.Stopped, node.State);
        Assert.Empty(await Sdk.NetworkInterfaces.ListAsync(node.Id, Ct));
        Assert.Equal(1, Assert.Single(await Sdk.Disks.ListAsync(node.Id, Ct)).Size);
        await _driver.DestroyNodeAsync(node, Ct);
    }

    [Fact]
    public async Task Wait_until_running_returns_the_node_with_its_address()
    {
        // The test hypervisor's own guest reports an address.
        var test = await _driver.GetNodeAsync("test", cancellationToken: Ct);
        if (test.AddressesFor(SshInterface.Any).Count == 0)
        {
            Assert.Skip("The test hypervisor's guest reports no address on this gateway.");
        }

        var (node, addresses) = Assert.Single(await _driver.WaitUntilRunningAsync([test], TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), cancellationToken: Ct));
        Assert.Equal("test", node.Name);
        Assert.NotEmpty(addresses);

        // A stopped node never gets there.
        var stopped = await _driver.CreateNodeAsync(UniqueName("node"), Tiny, options: new CreateNodeOptions { Start = false }, cancellationToken: Ct);
        await Assert.ThrowsAsync<TimeoutException>(() => _driver.WaitUntilRunningAsync([stopped], TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(300), cancellationToken: Ct));
        await _driver.DestroyNodeAsync(stopped, Ct);
    }

    [Fact]
    public async Task Sizes_merge_the_gateway_types_with_the_file_which_wins()
    {
        var sizes = await _driver.ListSizesAsync(cancellationToken: Ct);
        var small = Assert.Single(sizes, s => s.Id == "m1.small");
        Assert.Equal(100, small.Ram);
        Assert.Equal("configuration", small.Source);
        Assert.Contains(sizes, s => s.Id == "tiny");
        Assert.Contains(sizes, s => s.Id == "m1.large" && s.Source == "gateway" && s.Cpus == 2 && s.Ram == 6144);
    }

    [Fact]
    public async Task Create_node_from_an_image()
    {
        var image = (await _driver.ListImagesAsync(cancellationToken: Ct))[0];
        var node = await _driver.CreateNodeAsync(UniqueName("node"), Tiny, image, options: new CreateNodeOptions { Start = false }, cancellationToken: Ct);
        Assert.Equal(image.Id, node.Image?.Id);
        Assert.NotEmpty(await Sdk.Disks.ListAsync(node.Id, Ct));
        await _driver.DestroyNodeAsync(node, Ct);
    }

    [Fact]
    public async Task A_default_size_grows_the_boot_disk_from_the_image_to_its_disk()
    {
        var medium = Assert.Single(await _driver.ListSizesAsync(cancellationToken: Ct), s => s.Id == "m1.medium");
        Assert.Equal(20, medium.Disk);
        var image = Assert.Single(await _driver.ListImagesAsync(cancellationToken: Ct), i => i.Id == "demo-image.qcow2");
        var node = await _driver.CreateNodeAsync(UniqueName("node"), medium, image, options: new CreateNodeOptions { Start = false, Networks = [] }, cancellationToken: Ct);
        Assert.Equal(20L << 30, Assert.Single(await Sdk.Disks.ListAsync(node.Id, Ct)).SizeBytes); // not the image's 64 MiB
        await _driver.DestroyNodeAsync(node, Ct);
    }

    [Fact]
    public async Task Volumes_create_list_destroy_and_detach()
    {
        var volume = await _driver.CreateVolumeAsync(1, UniqueName("vol") + ".img", storageId: "default-pool", cancellationToken: Ct);
        Assert.Equal(1, volume.Size);
        Assert.Contains(await _driver.ListVolumesAsync(cancellationToken: Ct), v => v.Id == volume.Id);

        var node = await _driver.CreateNodeAsync(UniqueName("node"), Tiny with { Disk = 1 }, options: new CreateNodeOptions { Start = false }, cancellationToken: Ct);
        Assert.False(await _driver.DetachVolumeAsync(volume, Ct)); // attached to nothing

        // A node's disk is a volume too: listed as attached, and detachable.
        var disk = Assert.Single(await Sdk.Disks.ListAsync(node.Id, Ct));
        var nodeVolume = Assert.Single(await _driver.ListVolumesAsync(cancellationToken: Ct), v => v.Path == disk.Path);
        Assert.Equal(node.Id, nodeVolume.AttachedTo);
        Assert.True(await _driver.DetachVolumeAsync(nodeVolume, Ct));
        Assert.Empty(await Sdk.Disks.ListAsync(node.Id, Ct));

        Assert.True(await _driver.DestroyVolumeAsync(volume, Ct));
        Assert.DoesNotContain(await _driver.ListVolumesAsync(cancellationToken: Ct), v => v.Id == volume.Id);
        await _driver.DestroyNodeAsync(node, Ct);
    }

    [Fact]
    public async Task Attach_volume_adds_it_to_the_node_and_detach_keeps_it()
    {
        var volume = await _driver.CreateVolumeAsync(1, UniqueName("vol") + ".img", storageId: "default-pool", cancellationToken: Ct);
        var node = await _driver.CreateNodeAsync(UniqueName("node"), Tiny with { Disk = 1 }, options: new CreateNodeOptions { Start = false }, cancellationToken: Ct);

        Assert.True(await _driver.AttachVolumeAsync(node, volume, "/dev/vdb", Ct));
        var disks = await Sdk.Disks.ListAsync(node.Id, Ct);
        Assert.Equal(2, disks.Count);
        var attached = Assert.Single(disks, d => d.Path == volume.Path);
        Assert.Equal("virtio", attached.Bus);
        var listed = Assert.Single(await _driver.ListVolumesAsync(cancellationToken: Ct), v => v.Id == volume.Id && v.StorageId == volume.StorageId);
        Assert.Equal(node.Id, listed.AttachedTo);

        Assert.True(await _driver.DetachVolumeAsync(listed, Ct));
        var left = Assert.Single(await Sdk.Disks.ListAsync(node.Id, Ct)); // the node's own disk stays
        Assert.NotEqual(volume.Path, left.Path);
        var kept = Assert.Single(await _driver.ListVolumesAsync(cancellationToken: Ct), v => v.Id == volume.Id && v.StorageId == volume.StorageId);
        Assert.Null(kept.AttachedTo);
        Assert.False(await _driver.DetachVolumeAsync(kept, Ct));

        // A running node on a hypervisor without hot-plug: the gateway's 501, typed.
        Assert.True(await _driver.StartNodeAsync(node, Ct));
        await Assert.ThrowsAsync<FeatureNotImplementedException>(() => _driver.AttachVolumeAsync(node, volume, cancellationToken: Ct));

        await _driver.DestroyNodeAsync(node, Ct);
        Assert.Contains(await _driver.ListVolumesAsync(cancellationToken: Ct), v => v.Id == volume.Id); // destroying the node kept it too
        Assert.True(await _driver.DestroyVolumeAsync(volume, Ct));
    }

    [Theory]
    [InlineData("/dev/vdb", "virtio")]
    [InlineData("sdc", "scsi")]
    [InlineData("hdd", "ide")]
    [InlineData("xvdb", null)]
    [InlineData(null, null)]
    public void A_device_name_chooses_the_bus(string? device, string? bus)
        => Assert.Equal(bus, ComputeDriver.BusOf(device));

    [Fact]
    public void States_map_with_the_native_word_kept()
    {
        Assert.Equal(NodeState.Running, NodeStates.From(GuestState.Started, "running"));
        Assert.Equal(NodeState.Stopping, NodeStates.From(GuestState.Started, "shutdown"));
        Assert.Equal(NodeState.Paused, NodeStates.From(GuestState.Paused, "paused"));
        Assert.Equal(NodeState.Suspended, NodeStates.From(GuestState.Paused, "pmsuspended"));
        Assert.Equal(NodeState.Stopped, NodeStates.From(GuestState.Stopped, "shutoff"));
        Assert.Equal(NodeState.Error, NodeStates.From(GuestState.Stopped, "crashed"));
        Assert.Equal(NodeState.Unknown, NodeStates.From(GuestState.Unknown, "whatever"));
    }

    [Theory]
    [InlineData("10.0.0.1", true)]
    [InlineData("172.20.1.1", true)]
    [InlineData("192.168.122.3", true)]
    [InlineData("100.64.0.1", true)]
    [InlineData("fd00::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("8.8.8.8", false)]
    [InlineData("172.32.0.1", false)]
    [InlineData("2001:db8::1", false)]
    public void Addresses_are_private_or_public(string address, bool isPrivate)
        => Assert.Equal(isPrivate, IpAddresses.IsPrivate(address));

    [Fact]
    public void Multi_step_deployments_flatten_and_keep_order()
    {
        var key = new SshKeyDeployment("ssh-ed25519 AAAA test@example");
        var script = new ScriptDeployment("echo hi");
        var multi = new MultiStepDeployment(key, new MultiStepDeployment(script), new FileDeployment("/etc/hostname", "/tmp/x"));
        Assert.Equal(3, MultiStepDeployment.Flatten(multi).Count());
        Assert.Same(key, MultiStepDeployment.Flatten(multi).First());
        Assert.Throws<ArgumentException>(() => new SshKeyDeployment("a\nb"));
    }

    [Theory]
    [InlineData(0x1ED, 755)] // 0755
    [InlineData(448, 700)] // 0700, ScriptDeployment's
    [InlineData(420, 644)] // 0644, FileDeployment's default
    [InlineData(0x9ED, 755)] // 04755: setuid travels apart, SSH.NET takes 0..999 only
    [InlineData(0, 0)]
    public void Upload_modes_are_given_to_ssh_net_as_octal_digits(int mode, short digits)
        => Assert.Equal(digits, SshDeploymentSession.SshNetPermissionDigits(mode));

    [Fact]
    public async Task Deployment_steps_run_in_order_on_a_session()
    {
        var session = new FakeSession();
        var script = new ScriptDeployment("#!/bin/sh\necho hello\n", arguments: ["a b"]);
        var deployment = new MultiStepDeployment()
            .Add(new SshKeyDeployment("ssh-ed25519 AAAA it's-me"))
            .Add(script);
        await deployment.RunAsync(new Node("id", "n", NodeState.Running, _driver.DefaultLocation), session, Ct);

        Assert.Contains("authorized_keys", session.Commands[0], StringComparison.Ordinal);
        Assert.Contains("'ssh-ed25519 AAAA it'\"'\"'s-me'", session.Commands[0], StringComparison.Ordinal);
        var (path, content, mode) = Assert.Single(session.Uploads);
        Assert.Equal(script.Name, path);
        Assert.Equal("#!/bin/sh\necho hello\n", content);
        Assert.Equal(448, mode);
        Assert.Equal($"./'{script.Name}' 'a b'", session.Commands[1]);
        Assert.Equal(0, script.ExitStatus);
        Assert.Equal("out", script.Stdout);
    }

    private sealed class FakeSession : IDeploymentSession
    {
        public List<string> Commands { get; } = [];

        public List<(string Path, string Content, int Mode)> Uploads { get; } = [];

        public string Username => "root";

        public Task<CommandResult> RunAsync(string command, CancellationToken cancellationToken)
        {
            Commands.Add(command);
            return Task.FromResult(new CommandResult(0, "out", string.Empty));
        }

        public async Task UploadAsync(string path, Stream content, int mode, CancellationToken cancellationToken)
        {
            using var reader = new StreamReader(content);
            Uploads.Add((path, await reader.ReadToEndAsync(cancellationToken), mode));
        }
    }
}
