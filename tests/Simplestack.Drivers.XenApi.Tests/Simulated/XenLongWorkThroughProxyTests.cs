extern alias XenSimulator;

using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using XenSimulator::Simplestack.XenApi.Simulator;

namespace Simplestack.Drivers.XenApi.Tests.Simulated;

/// <summary>
/// A 60 s clone followed as a stream through nginx cutting upstreams silent for 10 s
/// (<c>proxy_read_timeout 10s</c>, the sort of proxy a provisioning application sits behind):
/// the stream's heartbeats keep it, and it ends with the clone's result. The control: a gateway
/// whose heartbeat is set to 30 s, whose stream is then silent between progress steps, is cut by
/// nginx. The simulator keeps its Async tasks pending 60 s, their progress growing in four steps
/// (one every 15 s), as a long xapi clone does.
/// </summary>
public sealed class XenLongWorkThroughProxyTests : IAsyncLifetime
{
    private static readonly TimeSpan CloneTime = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private XenApiSimulator _simulator = null!;
    private WebApplicationFactory<Program> _gateway = null!;
    private WebApplicationFactory<Program> _quietGateway = null!;
    private DirectoryInfo _nginxPrefix = null!;
    private Process? _nginx;
    private HttpClient _client = null!;
    private HttpClient _quietClient = null!;

    public async ValueTask InitializeAsync()
    {
        _simulator = await XenApiSimulator.StartAsync(new SimulatorOptions { AsyncTaskDelay = CloneTime }, Ct);
        _gateway = XenGateway.StartOnPort(_simulator, new Dictionary<string, string?> { ["Simplestack:XenApi:CallTimeoutSeconds"] = "180" });
        _quietGateway = XenGateway.StartOnPort(_simulator, new Dictionary<string, string?>
        {
            ["Simplestack:XenApi:CallTimeoutSeconds"] = "180",
            ["Simplestack:Work:ProgressHeartbeat"] = "00:00:30",
        });
        var gateway = XenGateway.Port(_gateway);
        var quietGateway = XenGateway.Port(_quietGateway);

        var port = FreePort();
        var quietPort = FreePort();
        _nginxPrefix = Directory.CreateTempSubdirectory("simplestack-nginx-");
        var config = Path.Combine(_nginxPrefix.FullName, "nginx.conf");
        await File.WriteAllTextAsync(config, $$"""
            daemon off;
            master_process off;
            pid {{_nginxPrefix.FullName}}/nginx.pid;
            error_log {{_nginxPrefix.FullName}}/error.log warn;
            events { worker_connections 64; }
            http {
              access_log off;
              client_body_temp_path {{_nginxPrefix.FullName}}/body;
              proxy_temp_path {{_nginxPrefix.FullName}}/proxy;
              fastcgi_temp_path {{_nginxPrefix.FullName}}/fastcgi;
              uwsgi_temp_path {{_nginxPrefix.FullName}}/uwsgi;
              scgi_temp_path {{_nginxPrefix.FullName}}/scgi;
              server {
                listen 127.0.0.1:{{port}};
                location / {
                  proxy_pass http://127.0.0.1:{{gateway}};
                  proxy_http_version 1.1;
                  proxy_read_timeout 10s;
                }
              }
              server {
                listen 127.0.0.1:{{quietPort}};
                location / {
                  proxy_pass http://127.0.0.1:{{quietGateway}};
                  proxy_http_version 1.1;
                  proxy_read_timeout 10s;
                }
              }
            }
            """, Ct);
        _nginx = Process.Start(new ProcessStartInfo("nginx", ["-c", config, "-p", _nginxPrefix.FullName]) { RedirectStandardError = true })
            ?? throw new InvalidOperationException("nginx did not start");
        _client = ProxyClient(port);
        _quietClient = ProxyClient(quietPort);
        await WaitForProxyAsync(_client);
        await WaitForProxyAsync(_quietClient);
    }

    [Fact]
    public async Task A_followed_60_s_clone_survives_a_proxy_that_cuts_10_s_of_silence()
    {
        var path = $"{XenGateway.Base(_simulator)}/guests/build-01/clone";
        var clock = Stopwatch.StartNew();
        var quiet = FollowAsync(_quietClient, path, "quiet-copy");
        var followed = await FollowAsync(_client, path, "followed-copy");

        Assert.True(clock.Elapsed >= CloneTime, $"the clone took {clock.Elapsed.TotalSeconds:0} s, not the simulator's 60");
        Assert.NotNull(followed.Result);
        var answer = JsonDocument.Parse(followed.Result).RootElement;
        Assert.Equal(201, answer.GetProperty("status").GetInt32());
        Assert.Equal("followed-copy", answer.GetProperty("body").GetProperty("name").GetString());
        Assert.True(followed.Heartbeats >= 6, $"{followed.Heartbeats} heartbeats in {clock.Elapsed.TotalSeconds:0} s");
        Assert.Equal(followed.Progress.Order(), followed.Progress);
        Assert.Contains(followed.Progress, p => p is > 0 and < 100); // the task's own progress, between start and end
        Assert.Single(_simulator.FindByNameLabel("VM", "followed-copy"));

        // The control: the same stream with heartbeats further apart than the proxy's timeout is cut.
        var cut = await quiet;
        Assert.Null(cut.Result);
        Assert.True(cut.Ended < CloneTime, $"the quiet stream lasted {cut.Ended.TotalSeconds:0} s");
    }

    private sealed record Followed(string? Result, int Heartbeats, List<double> Progress, TimeSpan Ended);

    /// <summary>Follows a clone through the proxy until the stream ends (its result, or a cut).</summary>
    private static async Task<Followed> FollowAsync(HttpClient client, string path, string name)
    {
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json($$"""{"name": "{{name}}"}""") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        var heartbeats = 0;
        var progress = new List<double>();
        string? result = null, type = null;
        try
        {
            while (await reader.ReadLineAsync(Ct) is { } line)
            {
                if (line.StartsWith(": heartbeat", StringComparison.Ordinal))
                {
                    heartbeats++;
                }
                else if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    type = line[7..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal) && type == "progress")
                {
                    progress.Add(JsonDocument.Parse(line[6..]).RootElement.GetProperty("percent").GetDouble());
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal) && type == "result")
                {
                    result = line[6..];
                }
            }
        }
        catch (HttpIOException)
        {
            // nginx closed a chunked body part-way: a cut, as a client sees it.
        }

        return new Followed(result, heartbeats, progress, clock.Elapsed);
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        _quietClient?.Dispose();
        if (_nginx is { HasExited: false })
        {
            _nginx.Kill();
            await _nginx.WaitForExitAsync(CancellationToken.None);
        }

        _nginx?.Dispose();
        await _gateway.DisposeAsync();
        await _quietGateway.DisposeAsync();
        await _simulator.DisposeAsync();
        _nginxPrefix?.Delete(recursive: true);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static HttpClient ProxyClient(int port)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(3) };
        client.DefaultRequestHeaders.Add("x-simplestack-hypervisor-token", XenGateway.Token());
        return client;
    }

    private async Task WaitForProxyAsync(HttpClient client)
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var health = await client.GetAsync("/healthz", Ct);
                if (health.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            Assert.False(_nginx!.HasExited, "nginx stopped: " + await _nginx.StandardError.ReadToEndAsync(Ct));
            await Task.Delay(100, Ct);
        }

        throw new Xunit.Sdk.XunitException("nginx did not answer");
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
