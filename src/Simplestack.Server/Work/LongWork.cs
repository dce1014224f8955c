using Microsoft.Extensions.Options;
using Simplestack.Core;
using Simplestack.Core.Idempotency;
using Simplestack.Core.Work;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Work;

/// <summary>
/// Runs a handler's work as API.md §9 asks: with an <c>Idempotency-Key</c>, a retry finds what the
/// first request made (in the hypervisor's records) instead of making it again; with <c>Accept:
/// text/event-stream</c>, the work is answered as progress events and a final result equal to the
/// plain answer. Both, either or neither: without them the work runs exactly as a plain handler.
/// </summary>
public static partial class LongWork
{
    /// <summary>
    /// A creating POST: <paramref name="make"/> makes the object; <paramref name="readBack"/> reads an
    /// object made before by its id (for a retry); <paramref name="answer"/> is the plain answer of
    /// either. <paramref name="request"/> is what the request asked (hashed with the key).
    /// </summary>
    public static async Task<IResult> CreateAsync<T>(
        HypervisorSession hv,
        CreatedScope scope,
        object? request,
        Func<CancellationToken, Task<T>> make,
        Func<string, CancellationToken, Task<T>> readBack,
        Func<T, IResult> answer)
    {
        var context = hv.HttpContext;
        var stamp = IdempotencyKeys.StampOf(context, request);
        if (stamp is null)
        {
            return await RunAsync(hv, null, async ct => answer(await make(ct)));
        }

        var options = context.RequestServices.GetRequiredService<IOptions<WorkOptions>>().Value;
        var keys = await hv.ConnectAsync() as IIdempotentCreation
            ?? throw new FeatureNotAvailableException($"The {hv.Target.Driver.Name} driver cannot keep idempotency keys; send the request without Idempotency-Key.");

        // Before anything: a retry of finished work answers what it made; a clash is refused.
        if (IdempotencyKeys.Check(await keys.FindCreatedAsync(scope, stamp.KeyHash, hv.Aborted), stamp, options) is { } madeBefore)
        {
            return answer(await readBack(madeBefore, hv.Aborted));
        }

        // The marker is the claim: of two requests with one key, one leaves it, the other gets 409.
        IAsyncDisposable marker;
        try
        {
            marker = await keys.MarkStartedAsync(scope, stamp, options.IdempotencyLease, hv.Aborted);
        }
        catch (OperationInProgressException)
        {
            throw IdempotencyKeys.InProgress(options); // one wording and one Retry-After, whichever driver refused
        }

        IdempotencyRecord? meanwhile;
        try
        {
            meanwhile = await keys.FindCreatedAsync(scope, stamp.KeyHash, hv.Aborted);
        }
        catch
        {
            await marker.DisposeAsync();
            throw;
        }

        // The first request may have finished between the look and the claim.
        if (meanwhile is { IsDone: true })
        {
            await marker.DisposeAsync();
            return answer(await readBack(IdempotencyKeys.Check(meanwhile, stamp, options)!, hv.Aborted));
        }

        return await RunAsync(hv, stamp, async ct =>
        {
            await using (marker)
            {
                return answer(await make(ct));
            }
        });
    }

    /// <summary>Long work that makes nothing new (a disk grows): followed as a stream when asked, else plain.</summary>
    public static Task<IResult> RunAsync(HypervisorSession hv, Func<CancellationToken, Task<IResult>> work)
        => RunAsync(hv, null, work);

    private static async Task<IResult> RunAsync(HypervisorSession hv, IdempotencyStamp? stamp, Func<CancellationToken, Task<IResult>> work)
    {
        var context = hv.HttpContext;
        if (!ProgressStream.IsWanted(context.Request))
        {
            using (stamp is null ? null : WorkContext.Begin(new WorkContext { Idempotency = stamp }))
            {
                return await work(hv.Aborted);
            }
        }

        // The connection is held before the client is let go of: it stays held until the response ends.
        await hv.ConnectAsync();
        var options = context.RequestServices.GetRequiredService<IOptions<WorkOptions>>().Value;
        var stream = await ProgressStream.StartAsync(context, options.ProgressHeartbeat);
        hv.DetachFromClient(context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        await stream.FollowAsync(RunFollowedAsync(hv, stamp, stream, work));
        return Results.Empty;
    }

    private static async Task<WorkResult> RunFollowedAsync(
        HypervisorSession hv, IdempotencyStamp? stamp, IProgress<WorkProgress> progress, Func<CancellationToken, Task<IResult>> work)
    {
        var context = hv.HttpContext;
        await Task.Yield(); // the stream follows from here on; the work runs beside it
        try
        {
            using (WorkContext.Begin(new WorkContext { Idempotency = stamp, Progress = progress }))
            {
                WorkContext.Report(0, "started");
                var result = WorkResult.Of(await work(hv.Aborted), context);
                WorkContext.Report(100, "done");
                return result;
            }
        }
        catch (Exception e)
        {
            var result = WorkResult.Of(e, context);
            Log.FollowedWorkFailed(
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LongWork)),
                result.Status >= StatusCodes.Status500InternalServerError ? e : null,
                context.Request.Method,
                context.Request.Path,
                result.Status,
                context.TraceIdentifier);
            return result;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 70, Level = LogLevel.Warning, Message = "{Method} {Path} followed as a stream ended with {Status} ({TraceId})")]
        public static partial void FollowedWorkFailed(ILogger logger, Exception? exception, string method, string path, int status, string traceId);
    }
}
