using System.Formats.Tar;
using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Simplestack.XenApi.Simulator.Model;
using Simplestack.XenApi.Simulator.Protocol;
using Simplestack.XenApi.Simulator.Semantics;
using Simplestack.XenApi.Simulator.Xva;

namespace Simplestack.XenApi.Simulator.Hosting;

/// <summary>
/// PUT /import?session_id=&amp;task_id=&amp;sr_id=|sr_uuid=&amp;restore=&amp;force= (import.ml handler):
/// makes a VM from an XVA in the body. The SR is sr_id (a ref), else sr_uuid, else the pool's
/// default SR (DEFAULT_SR_NOT_FOUND when it has none); an ISO SR gets 400, a chunked body 403
/// (IMPORT_ERROR_CANNOT_HANDLE_CHUNKED), neither changing anything. Otherwise the 200 headers go
/// out before the body is read, as xapi sends them, and the task ends with the new VM refs as
/// XML-RPC text, or with the error after everything made is destroyed (unless force=true).
/// </summary>
internal static class ImportEndpoint
{
    private const string Realm = "put_import";

    public static async Task HandleAsync(HttpContext context, SimulatorState state)
    {
        if (!await HandlerTask.AuthorizeAsync(context, state, Realm).ConfigureAwait(false))
        {
            return;
        }
        HandlerTask task;
        string sr;
        try
        {
            task = HandlerTask.Open(context, state, "VM.import");
        }
        catch (XenApiException error)
        {
            await HandlerTask.ServerErrorAsync(context, error).ConfigureAwait(false);
            return;
        }
        try
        {
            sr = ResolveSr(context, state);
        }
        catch (XenApiException error)
        {
            // import.ml looks the SR up before taking the task on; xapi then answers 500.
            await task.FailWithServerErrorAsync(context, error).ConfigureAwait(false);
            return;
        }
        bool iso;
        lock (state.Store.Sync)
        {
            iso = (string?)state.Store.Get("SR", sr)["content_type"] == "iso";
        }
        if (iso)
        {
            task.Fail(new XenApiException(ErrorCodes.SR_OPERATION_NOT_SUPPORTED));
            await HandlerTask.StatusOnlyAsync(context, HttpStatusCode.BadRequest).ConfigureAwait(false);
            return;
        }
        if (context.Request.Headers.TransferEncoding.Count > 0)
        {
            task.Fail(new XenApiException("IMPORT_ERROR_CANNOT_HANDLE_CHUNKED"));
            await HandlerTask.StatusOnlyAsync(context, HttpStatusCode.Forbidden).ConfigureAwait(false);
            return;
        }

        // An XVA is as big as its disks: no request size limit.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }
        context.Response.StatusCode = 200;
        context.Response.Headers.Connection = "close";
        context.Response.Headers.CacheControl = "no-cache, no-store";
        context.Response.Headers["task-id"] = task.Ref;
        context.Response.ContentType = "application/octet-stream";

        var force = HandlerTask.Param(context, "force") == "true";
        var restore = HandlerTask.Param(context, "restore") == "true";
        var importer = new XvaImporter(state, sr, task.Ref, restore);
        // Not RequestAborted: a client that sends its last bytes and hangs up at once (Xen
        // Orchestra does, with its 1 PiB Content-Length) aborts the request while those bytes
        // are still to be read. A client gone for good ends the body early instead.
        var reading = CancellationToken.None;
        try
        {
            // Out now, before the body is read: StartAsync alone leaves the headers buffered.
            await context.Response.StartAsync(reading).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(reading).ConfigureAwait(false);
            await using var archive = await XvaReader.OpenAsync(context.Request.Body, reading).ConfigureAwait(false);
            await using var tar = new TarReader(archive, leaveOpen: true);
            var header = OvaXml.Parse(await XvaReader.ReadHeaderAsync(tar, reading).ConfigureAwait(false));
            lock (state.Store.Sync)
            {
                importer.Create(header);
            }
            await XvaReader.ReadDisksAsync(tar, importer.Disks, state.Disks, force, (done, total) =>
            {
                if (task.Cancelled)
                {
                    throw new XenApiException(ErrorCodes.TASK_CANCELLED, task.Ref);
                }
                task.Progress(total == 0 ? 1 : (double)done / total);
            }, reading).ConfigureAwait(false);
            lock (state.Store.Sync)
            {
                importer.Complete();
            }
            task.Succeed(XmlRpc.Encode(importer.VmRefs));
        }
        catch (Exception error)
        {
            lock (state.Store.Sync)
            {
                importer.Undo(); // import.ml keeps what it made when force=true; this simulator always cleans up
            }
            task.Fail(AsImportError(error));
        }
    }

    private static string ResolveSr(HttpContext context, SimulatorState state)
    {
        lock (state.Store.Sync)
        {
            if (HandlerTask.Param(context, "sr_id") is { } reference)
            {
                state.Store.Get("SR", reference);
                return reference;
            }
            if (HandlerTask.Param(context, "sr_uuid") is { } uuid)
            {
                return state.Store.RefByUuid("SR", uuid);
            }
            var pool = state.Store.All("pool").First().Record;
            var defaultSr = (string)pool["default_SR"]!;
            return state.Store.Exists("SR", defaultSr) ? defaultSr
                : throw new XenApiException("DEFAULT_SR_NOT_FOUND", defaultSr);
        }
    }

    /// <summary>import.ml's with_error_handling: the body ending early is IMPORT_ERROR_PREMATURE_EOF, a broken archive IMPORT_ERROR.</summary>
    private static XenApiException AsImportError(Exception error) => error switch
    {
        XenApiException e => e,
        EndOfStreamException or OperationCanceledException or IOException or BadHttpRequestException => new XenApiException("IMPORT_ERROR_PREMATURE_EOF"),
        FormatException or InvalidDataException => new XenApiException("IMPORT_ERROR", error.Message),
        _ => new XenApiException("INTERNAL_ERROR", error.GetType().Name + ": " + error.Message),
    };
}
