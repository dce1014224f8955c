using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Simplestack.Server.Security;
using Simplestack.Server.Tests.Clients;

namespace Simplestack.IntegrationTests;

/// <summary>
/// The console page (<c>/ui/</c>) in a real headless Chromium (Debian's, driven by puppeteer-core
/// from <c>browser/console-page.mjs</c>) against the gateway on a loopback port behind an API key
/// (typed into the page, which sends it as a header), on a booted QEMU
/// guest: the page lists it, opens its serial console in xterm.js, where a typed command's answer
/// appears, and follows a power change made with its button through the events stream; its VNC
/// console reaches noVNC's connect event (the RFB handshake done). Each run leaves a screenshot in
/// <c>artifacts/</c>. The page's content security policy must not refuse anything it does.
/// </summary>
public sealed class ConsolePageTests : GatewayOnQemu
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan BrowserLimit = TimeSpan.FromMinutes(3);
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task The_page_lists_the_guest_runs_a_command_on_its_serial_console_and_follows_a_power_change()
    {
        var guest = await CreateGuestAsync(BootableGuest(NewName("page")));
        // Booted to its shell first (over the WebSocket, then closed): the browser's part stays short.
        await using (var console = await ConsoleWebSocket.OpenAsync(Gateway, Guests($"/{guest.Id}/console"), Ct))
        {
            await console.WaitForShellAsync(Boot);
        }

        var report = await RunPageAsync(guest.Name, "serial", "ui-console.png");

        Assert.Contains(guest.Name, report.Strings("listed"));
        Assert.Equal("STARTED", report.String("stateBefore"));
        Assert.True(report.Root.GetProperty("answered").GetBoolean(), $"the terminal did not show ui-42: {report}");
        // Stopped with the page's button; the list learnt it from the events stream alone.
        Assert.Equal("STOPPED", report.String("stateAfter"));
        Assert.Contains("guest.state", report.Strings("events"));
        Assert.StartsWith("closed (1000", report.String("consoleAfterStop"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_pages_vnc_console_completes_the_rfb_handshake()
    {
        var guest = await CreateGuestAsync(BootableGuest(NewName("pagevnc")));

        var report = await RunPageAsync(guest.Name, "vnc", "ui-vnc.png");

        Assert.Contains(guest.Name, report.Strings("listed"));
        Assert.Equal("connected", report.String("vncState"));
        var canvas = report.Root.GetProperty("canvas");
        Assert.True(canvas.GetProperty("width").GetInt32() > 0 && canvas.GetProperty("height").GetInt32() > 0, $"noVNC drew nothing: {report}");
    }

    /// <summary>Runs the page's script on a gateway of its own on a loopback port (a browser needs a socket); fails on page errors or refused content.</summary>
    private async Task<PageReport> RunPageAsync(string guestName, string mode, string screenshotName)
    {
        var folder = Path.Combine(NodeTool.RepositoryRoot(), "tests", "Simplestack.IntegrationTests", "browser");
        var node = NodeTool.Require(folder, "puppeteer-core", "node_modules/puppeteer-core/package.json");
        RequireChromium();
        var artifacts = Directory.CreateDirectory(Path.Combine(NodeTool.RepositoryRoot(), "artifacts"));
        var screenshot = Path.Combine(artifacts.FullName, screenshotName);
        File.Delete(screenshot);

        var key = $"ui-{Guid.NewGuid():N}";
        await using var gateway = new KestrelGateway(key);
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "ui", "index.html")), "the console page was not built into the output (npm missing at build?)");
        var result = await NodeTool.RunAsync(node, folder, ["console-page.mjs", gateway.Url, "kvm", "localhost", guestName, mode, screenshot], BrowserLimit,
            new Dictionary<string, string> { ["SIMPLESTACK_UI_KEY"] = key });
        Assert.True(result.ExitCode == 0, $"the browser script failed: {result}");
        var report = new PageReport(JsonDocument.Parse(result.Out.Trim().Split('\n')[^1]).RootElement.Clone());

        Assert.False(report.Root.TryGetProperty("failure", out var failure), $"the page did not get through: {failure}\n{report}");
        Assert.Empty(report.Strings("errors"));
        Assert.Empty(report.Strings("csp"));
        var png = await File.ReadAllBytesAsync(screenshot, Ct);
        Assert.True(png.Length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', $"no screenshot at {screenshot}");
        return report;
    }

    private static void RequireChromium()
    {
        if (File.Exists(Chromium))
        {
            return;
        }

        const string Reason = "Chromium is not installed (eng/test.sh installs Debian's chromium).";
        if (Substrate.Required)
        {
            Assert.Fail(Reason + " CI does not allow skipping it.");
        }

        Assert.Skip(Reason);
    }

    private sealed record PageReport(JsonElement Root)
    {
        public string? String(string name) => Root.TryGetProperty(name, out var value) ? value.GetString() : null;

        public IReadOnlyList<string> Strings(string name)
            => Root.TryGetProperty(name, out var value) ? value.EnumerateArray().Select(v => v.GetString() ?? string.Empty).ToList() : [];

        public override string ToString() => Root.GetRawText();
    }

    /// <summary>The gateway on Kestrel, on a loopback port of its own, on the same libvirtd as <see cref="GatewayOnQemu.Gateway"/>.</summary>
    private sealed class KestrelGateway : WebApplicationFactory<Program>
    {
        private readonly string _apiKey;

        public KestrelGateway(string apiKey)
        {
            _apiKey = apiKey;
            UseKestrel(0);
            StartServer();
        }

        public string Url => Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("Simplestack:Libvirt:DefaultDomainType", "qemu");
            builder.UseSetting("Simplestack:Security:ApiKeys:0:Name", "ui-page");
            builder.UseSetting("Simplestack:Security:ApiKeys:0:Hash", ApiKeys.HashOf(_apiKey));
        }
    }
}
