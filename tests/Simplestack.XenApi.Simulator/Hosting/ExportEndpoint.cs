using System.IO.Compression;
using System.Net;
using Simplestack.XenApi.Simulator.Model;
using Simplestack.XenApi.Simulator.Protocol;
using Simplestack.XenApi.Simulator.Semantics;
using Simplestack.XenApi.Simulator.Xva;

namespace Simplestack.XenApi.Simulator.Hosting;

/// <summary>
/// GET /export?session_id=&amp;task_id=&amp;ref=|uuid=&amp;use_compression= (export.ml handler): the
/// VM as an XVA, streamed with no Content-Length. The VM must be Halted or Suspended (the
/// "export" operation's power states); while it streams, the VM lists the task in
/// current_operations. The task ends with success and result "", or with the error.
/// </summary>
internal static class ExportEndpoint
{
    private const string Realm = "get_export";

    public static async Task HandleAsync(HttpContext context, SimulatorState state)
    {
        if (!await HandlerTask.AuthorizeAsync(context, state, Realm).ConfigureAwait(false))
        {
            return;
        }
        HandlerTask task;
        try
        {
            task = HandlerTask.Open(context, state, "VM.export");
        }
        catch (XenApiException error)
        {
            await HandlerTask.ServerErrorAsync(context, error).ConfigureAwait(false);
            return;
        }
        // export.ml: "true" or "gzip" compress with gzip, "zstd" with zstd, anything else not at all.
        var compression = HandlerTask.Param(context, "use_compression");
        if (compression == "zstd")
        {
            task.Fail(new XenApiException("NOT_IMPLEMENTED", "zstd compression is not simulated; use_compression=gzip is"));
            await HandlerTask.StatusOnlyAsync(context, HttpStatusCode.BadRequest).ConfigureAwait(false);
            return;
        }
        var gzip = compression is "true" or "gzip";

        string vm = "", ovaXml = "";
        List<XvaDisk> disks = [];
        XenApiException? refused = null;
        lock (state.Store.Sync)
        {
            try
            {
                vm = ResolveVm(context, state);
                var record = state.Store.Get("VM", vm);
                var power = (string)record["power_state"]!;
                if (power is not ("Halted" or "Suspended"))
                {
                    throw new XenApiException(ErrorCodes.VM_BAD_POWER_STATE, vm, "halted, suspended", power.ToLowerInvariant());
                }
                (ovaXml, disks) = OvaXml.ForExport(state, vm);
                Wire.AsMap(record["current_operations"])[task.Ref] = "export";
                state.Store.Touch("VM", vm);
            }
            catch (XenApiException error)
            {
                refused = error;
            }
        }
        if (refused is not null)
        {
            // Before any header, as xapi: its handler fails the task and http_svr answers 500.
            await task.FailWithServerErrorAsync(context, refused).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.Headers.Connection = "close";
        context.Response.Headers.CacheControl = "no-cache, no-store";
        context.Response.Headers["task-id"] = task.Ref;
        context.Response.ContentType = "application/octet-stream";
        context.Response.Headers.ContentDisposition = "attachment; filename=\"export.xva\"";
        try
        {
            await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
            var body = context.Response.Body;
            await using (var zipped = gzip ? new GZipStream(body, CompressionLevel.Fastest, leaveOpen: true) : null)
            {
                await XvaWriter.WriteAsync(zipped ?? body, ovaXml, disks, state.Disks, (done, total) =>
                {
                    if (task.Cancelled)
                    {
                        throw new XenApiException(ErrorCodes.TASK_CANCELLED, task.Ref);
                    }
                    task.Progress(total == 0 ? 1 : (double)done / total);
                }, context.RequestAborted).ConfigureAwait(false);
            }
            await body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            task.Succeed("");
        }
        catch (XenApiException error)
        {
            task.Fail(error);
            context.Abort();
        }
        catch (Exception error) when (error is IOException or OperationCanceledException)
        {
            // stream_vdi.ml's write_block: a write that fails is the client's going away.
            task.Fail(new XenApiException("CLIENT_ERROR", error.Message));
        }
        catch (Exception error)
        {
            task.Fail(new XenApiException("INTERNAL_ERROR", error.GetType().Name + ": " + error.Message));
            context.Abort();
        }
        finally
        {
            Unlock(state, vm, task.Ref);
        }
    }

    /// <summary>ref= is taken as given (HANDLE_INVALID when it is not a VM), else uuid= (UUID_INVALID).</summary>
    private static string ResolveVm(HttpContext context, SimulatorState state)
    {
        if (HandlerTask.Param(context, "ref") is { } reference)
        {
            state.Store.Get("VM", reference);
            return reference;
        }
        var uuid = HandlerTask.Param(context, "uuid") ?? "";
        return state.Store.RefByUuid("VM", uuid);
    }

    private static void Unlock(SimulatorState state, string vm, string task)
    {
        lock (state.Store.Sync)
        {
            if (state.Store.Exists("VM", vm))
            {
                Wire.AsMap(state.Store.Get("VM", vm)["current_operations"]).Remove(task);
                state.Store.Touch("VM", vm);
            }
        }
    }
}
