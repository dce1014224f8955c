using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using static Simplestack.Drivers.VSphere.Tests.Vcsim.VimSoap;

namespace Simplestack.Drivers.VSphere.Tests.Vcsim;

/// <summary>
/// One vCenter vcsim from <c>eng/vcsim/run.sh</c>, checked as any vSphere client sees it: by hand
/// over HttpClient, and by Debian's pyVmomi. Missing Go, govmomi or pyVmomi fail these tests.
/// </summary>
public sealed class VcsimTests(VcsimVpxFixture vpx) : IClassFixture<VcsimVpxFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Vpx_answers_RetrieveServiceContent_as_vCenter_6_5_over_the_pinned_certificate()
    {
        // VimSoap accepts only the certificate whose SHA-256 run.sh printed.
        using var soap = new VimSoap(vpx.Vcsim);
        var about = (await soap.ServiceContentAsync(Ct)).Element(Vim + "about")!;

        Assert.Equal("VMware vCenter Server", about.Element(Vim + "name")!.Value);
        Assert.Equal("VirtualCenter", about.Element(Vim + "apiType")!.Value);
        Assert.Equal("6.5", about.Element(Vim + "apiVersion")!.Value);
        Assert.Equal(4, vpx.Vcsim.VmCount);
    }

    [Fact]
    public async Task Login_as_root_simplestack_sets_the_session_cookie_and_a_wrong_password_is_InvalidLogin()
    {
        using var soap = new VimSoap(vpx.Vcsim);
        var content = await soap.ServiceContentAsync(Ct);

        var (status, fault) = await soap.LoginAsync(content, "root", "wrong", Ct);
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Equal("InvalidLogin", FaultType(fault));
        Assert.Empty(soap.Cookies.GetCookies(vpx.Vcsim.Url));

        var (loggedIn, answer) = await soap.LoginAsync(content, vpx.Vcsim.User, vpx.Vcsim.Password, Ct);
        Assert.Equal(HttpStatusCode.OK, loggedIn);
        Assert.Equal("root", answer.Element(Vim + "returnval")!.Element(Vim + "userName")!.Value);
        Assert.NotNull(soap.Cookies.GetCookies(vpx.Vcsim.Url)["vmware_soap_session"]);
        Assert.Equal(4, (await soap.VirtualMachinesAsync(content, Ct)).Count);
    }

    [Fact]
    public async Task Calls_without_a_session_are_NotAuthenticated()
    {
        using var soap = new VimSoap(vpx.Vcsim);
        var content = await soap.ServiceContentAsync(Ct);

        var (status, fault) = await soap.CallAsync(Method("CreateContainerView", Ref("_this", content.Element(Vim + "viewManager")!),
            Ref("container", content.Element(Vim + "rootFolder")!), new XElement(Vim + "type", "VirtualMachine"),
            new XElement(Vim + "recursive", "true")), Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Equal("NotAuthenticated", FaultType(fault));
    }

    [Fact]
    public async Task PyVmomi_lists_the_vms_through_a_container_view_and_power_cycles_one()
    {
        var vcsim = vpx.Vcsim;
        var printed = await PyVmomi.RunAsync("pyvmomi_client.py", vcsim, Ct, "DC0_H0_VM0");

        Assert.Equal("VMware vCenter Server", printed.GetProperty("about").GetProperty("name").GetString());
        Assert.Equal("6.5", printed.GetProperty("about").GetProperty("apiVersion").GetString());
        Assert.Equal(["DC0_C0_RP0_VM0", "DC0_C0_RP0_VM1", "DC0_H0_VM0", "DC0_H0_VM1"],
            printed.GetProperty("vms").EnumerateArray().Select(v => v.GetString()!));
        Assert.Equal("poweredOff", printed.GetProperty("afterOff").GetString());
        Assert.Equal("InvalidPowerState", printed.GetProperty("offAgain").GetString());
        Assert.Equal("poweredOn", printed.GetProperty("afterOn").GetString());

        // A second client sees the state pyVmomi left.
        using var soap = new VimSoap(vcsim);
        var content = await soap.ServiceContentAsync(Ct);
        await soap.LoginAsync(content, vcsim.User, vcsim.Password, Ct);
        Assert.Equal("poweredOn", (await soap.VirtualMachinesAsync(content, Ct))["DC0_H0_VM0"]);
    }

    /// <summary>The detail's fault type: vim25 sends <c>&lt;InvalidLoginFault xsi:type="InvalidLogin"&gt;</c>.</summary>
    internal static string FaultType(XElement fault)
    {
        Assert.Equal("Fault", fault.Name.LocalName);
        var detail = fault.Element("detail")!.Elements().Single();
        return detail.Attribute(XName.Get("type", "http://www.w3.org/2001/XMLSchema-instance"))!.Value;
    }
}

/// <summary>Runs of <c>eng/vcsim/run.sh</c> with their own options, each its own process.</summary>
public sealed class VcsimRunTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Esx_answers_as_a_standalone_ESX_host()
    {
        await using var vcsim = await VcsimProcess.StartAsync(new VcsimOptions { Esx = true }, Ct);
        using var soap = new VimSoap(vcsim);
        var content = await soap.ServiceContentAsync(Ct);
        var about = content.Element(Vim + "about")!;

        Assert.Equal("VMware ESXi", about.Element(Vim + "name")!.Value);
        Assert.Equal("HostAgent", about.Element(Vim + "apiType")!.Value);
        Assert.Equal(HttpStatusCode.OK, (await soap.LoginAsync(content, "root", "simplestack", Ct)).Status);
        Assert.Equal(["ha-host_VM0", "ha-host_VM1"], (await soap.VirtualMachinesAsync(content, Ct)).Keys.Order());
    }

    [Fact]
    public async Task Vms_N_adds_N_powered_on_vms_to_the_default_inventory()
    {
        await using var vcsim = await VcsimProcess.StartAsync(new VcsimOptions { Vms = 3 }, Ct);
        using var soap = new VimSoap(vcsim);
        var content = await soap.ServiceContentAsync(Ct);
        await soap.LoginAsync(content, vcsim.User, vcsim.Password, Ct);

        var vms = await soap.VirtualMachinesAsync(content, Ct);

        Assert.Equal(7, vcsim.VmCount);
        Assert.Equal(["DC0_C0_RP0_VM0", "DC0_C0_RP0_VM1", "DC0_H0_VM0", "DC0_H0_VM1", "bench-0001", "bench-0002", "bench-0003"],
            vms.Keys.Order(StringComparer.Ordinal));
        Assert.All(vms.Values, state => Assert.Equal("poweredOn", state));
    }

    [Fact]
    public async Task Sigterm_stops_it_with_exit_code_0_and_removes_its_datastore_folder()
    {
        await using var vcsim = await VcsimProcess.StartAsync(cancellationToken: Ct);
        var datastore = Assert.Single(vcsim.DatastoreFolders);
        Assert.True(File.Exists(Path.Combine(datastore, "DC0_H0_VM0", "DC0_H0_VM0.vmx")), $"no .vmx in {datastore}");

        Assert.Equal(0, await vcsim.StopAsync(Ct));

        Assert.False(Directory.Exists(datastore), $"{datastore} is still there");
        // The run's own temporary folder, which holds the datastores, goes too.
        Assert.False(Directory.Exists(Path.GetDirectoryName(datastore)), $"{Path.GetDirectoryName(datastore)} is still there");
    }

    [Fact]
    public async Task User_and_password_options_replace_root_simplestack()
    {
        await using var vcsim = await VcsimProcess.StartAsync(new VcsimOptions { User = "admin", Password = "s3cret" }, Ct);
        using var soap = new VimSoap(vcsim);
        var content = await soap.ServiceContentAsync(Ct);

        Assert.Equal("InvalidLogin", VcsimTests.FaultType((await soap.LoginAsync(content, "root", "simplestack", Ct)).Body));
        Assert.Equal(HttpStatusCode.OK, (await soap.LoginAsync(content, "admin", "s3cret", Ct)).Status);
    }

    [Theory]
    [InlineData]
    [InlineData("not-a-port")]
    [InlineData("8989", "--vms")]
    [InlineData("8989", "--unknown")]
    [InlineData("8989", "--tls-cert", "vcsim.crt")]
    [InlineData("8989", "--tls-key", "vcsim.key")]
    public async Task Bad_arguments_print_the_usage_and_exit_2(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(VcsimProcess.RepositoryRoot, "eng", "vcsim", "run.sh"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var script = Process.Start(start)!;
        var output = await script.StandardOutput.ReadToEndAsync(Ct);
        var errors = await script.StandardError.ReadToEndAsync(Ct);
        await script.WaitForExitAsync(Ct);

        Assert.Equal(2, script.ExitCode);
        Assert.StartsWith("usage:", errors, StringComparison.Ordinal);
        Assert.Empty(output);
    }
}
