using System.Text;
using System.Text.Json;
using Microsoft.Net.Http.Headers;
using Simplestack.Core.Work;

namespace Simplestack.Server.Work;

/// <summary>
/// The answer of long work followed with <c>Accept: text/event-stream</c> (API.md §9): <c>progress</c>
/// events as the hypervisor reports them, a heartbeat comment when it is silent, and one final
/// <c>result</c> event. Reports come from the driver's threads and wait in a short list: within a
/// phase only the latest is kept, so every phase is told however fast the work moves, and the
/// list never passes <see cref="MaxPending"/>. A report that would go back is dropped, so what a
/// client sees only moves forward. A client that goes away stops the writing, never the work.
/// </summary>
internal sealed class ProgressStream : IProgress<WorkProgress>
{
    private readonly HttpResponse _response;
    private readonly TimeSpan _heartbeat;
    private readonly SemaphoreSlim _reported = new(0, 1);
    private const int MaxPending = 16;
    private readonly Lock _pendingLock = new();
    private readonly List<WorkProgress> _pending = [];
    private WorkProgress? _sent;
    private bool _gone;

    private readonly JsonSerializerOptions _json;

    private ProgressStream(HttpResponse response, TimeSpan heartbeat)
    {
        _json = response.HttpContext.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        _response = response;
        _heartbeat = heartbeat;
    }

    /// <summary>Whether the request asks for its work as a stream.</summary>
    public static bool IsWanted(HttpRequest request)
    {
        foreach (var accept in request.Headers.Accept)
        {
            if (accept is not null && accept.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Starts the stream (status 200, headers sent at once so the client knows the work began).</summary>
    public static async Task<ProgressStream> StartAsync(HttpContext context, TimeSpan heartbeat)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx: pass each event on at once
        var stream = new ProgressStream(response, heartbeat);
        await stream.WriteAsync(": working\n\n"u8.ToArray());
        return stream;
    }

    public void Report(WorkProgress value)
    {
        lock (_pendingLock)
        {
            if (_pending.Count > 0 && (_pending[^1].Phase == value.Phase || _pending.Count == MaxPending))
            {
                _pending[^1] = value;
            }
            else
            {
                _pending.Add(value);
            }
        }

        try
        {
            _reported.Release();
        }
        catch (SemaphoreFullException)
        {
            // A wake-up is pending already; it will send the latest.
        }
    }

    /// <summary>Sends progress until <paramref name="work"/> ends, then its result event.</summary>
    public async Task FollowAsync(Task<WorkResult> work)
    {
        while (!work.IsCompleted)
        {
            var woken = _reported.WaitAsync(_heartbeat);
            if (await Task.WhenAny(work, woken) == work)
            {
                break;
            }

            if (await woken)
            {
                await SendLatestAsync();
            }
            else
            {
                await WriteAsync(": heartbeat\n\n"u8.ToArray());
            }
        }

        await SendLatestAsync();
        var result = await work;
        await WriteAsync(Event("result", result.ToJson(_json)));
    }

    private async Task SendLatestAsync()
    {
        WorkProgress[] reported;
        lock (_pendingLock)
        {
            reported = [.. _pending];
            _pending.Clear();
        }

        foreach (var report in reported)
        {
            if (report == _sent || report.Percent < (_sent?.Percent ?? 0))
            {
                continue;
            }

            _sent = report;
            await WriteAsync(Event("progress", JsonSerializer.Serialize(new ProgressEvent(Math.Round(report.Percent, 1), report.Phase), WorkJson.Default.ProgressEvent)));
        }
    }

    private static byte[] Event(string name, string json) => Encoding.UTF8.GetBytes($"event: {name}\ndata: {json}\n\n");

    private async Task WriteAsync(byte[] frame)
    {
        if (_gone)
        {
            return;
        }

        try
        {
            await _response.Body.WriteAsync(frame);
            await _response.Body.FlushAsync();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            _gone = true; // The client left; the work goes on and its end is still logged.
        }
    }
}

/// <summary>A progress event's data.</summary>
internal sealed record ProgressEvent(double Percent, string Phase);
