using Microsoft.AspNetCore.Http.Features;
using Simplestack.Core;
using Simplestack.Server.Events;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Endpoints;

public static class EventsEndpoints
{
    private static readonly byte[] Heartbeat = ": heartbeat\n\n"u8.ToArray();

    public static IEndpointRouteBuilder MapEventsEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/events", StreamEvents)
            .WithTags("Events")
            .WithName("StreamEvents")
            .WithSummary("Server-Sent Events of what happens to the target's guests, whoever did it (guest.created, guest.deleted, guest.state, guest.changed; resync; dropped); Last-Event-ID resumes")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream");
        return routes;
    }

    /// <summary>
    /// Joins the connection's hub before answering (so a 501 or a hypervisor error is a plain error
    /// answer, and a change made once the headers arrived is seen), then streams until the client
    /// leaves, the gateway stops, the subscriber falls behind (<c>dropped</c>) or the connection
    /// dies (<c>resync</c>). The request holds its pooled connection all along, so the sweeper never
    /// closes a connection that has subscribers.
    /// </summary>
    public static async Task StreamEvents(HypervisorSession hv, EventHubs hubs, IHostApplicationLifetime lifetime)
    {
        var connection = await hv.ConnectAsync();
        var events = connection.Require<IGuestEvents>();
        var lastEventId = hv.HttpContext.Request.Headers["Last-Event-ID"].ToString();
        using var subscriber = await hubs.For(connection, events).JoinAsync(lastEventId, hv.Aborted);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(hv.Aborted, lifetime.ApplicationStopping);

        var response = hv.HttpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        hv.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var body = response.BodyWriter;
        try
        {
            await body.WriteAsync(": subscribed\n\n"u8.ToArray(), stop.Token);
            foreach (var frame in subscriber.Replay)
            {
                await body.WriteAsync(frame.Bytes, stop.Token);
            }

            await body.FlushAsync(stop.Token);
            await PumpAsync(subscriber, connection, hubs.Options.Heartbeat, body, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The client left or the gateway stops.
        }
    }

    private static async Task PumpAsync(
        EventSubscriber subscriber, IHypervisorConnection connection, TimeSpan heartbeat, System.IO.Pipelines.PipeWriter body, CancellationToken stop)
    {
        var frames = subscriber.Frames;
        Task<bool>? waiting = null;
        while (true)
        {
            waiting ??= frames.WaitToReadAsync(stop).AsTask();
            if (await Task.WhenAny(waiting, Task.Delay(heartbeat, stop)) != waiting)
            {
                stop.ThrowIfCancellationRequested();
                if (!connection.IsAlive)
                {
                    await body.WriteAsync(Final("resync", "the hypervisor connection was lost: list again"), stop);
                    await body.FlushAsync(stop);
                    return;
                }

                await body.WriteAsync(Heartbeat, stop);
                await body.FlushAsync(stop);
                continue;
            }

            var more = await waiting;
            waiting = null;
            while (frames.TryRead(out var frame))
            {
                await body.WriteAsync(frame.Bytes, stop);
            }

            if (!more)
            {
                if (subscriber.Dropped)
                {
                    await body.WriteAsync(Final("dropped", "this subscriber fell behind: resume with Last-Event-ID"), stop);
                }

                await body.FlushAsync(stop);
                return;
            }

            await body.FlushAsync(stop);
        }
    }

    private static byte[] Final(string type, string message)
        => System.Text.Encoding.UTF8.GetBytes(
            $"event: {type}\ndata: {{\"type\":\"{type}\",\"time\":\"{DateTimeOffset.UtcNow.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture)}\",\"message\":\"{message}\"}}\n\n");
}
