using System.Net;
using Simplestack.Core;
using Simplestack.Core.Work;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi;

// Export and import as XVA through xapi's own HTTP handlers (GET /export, PUT /import), each
// reporting through a task this driver makes and destroys. Both directions stream: the gateway
// copies between its caller and the pool and never holds a disk. xapi refuses chunked uploads,
// so an import needs the caller's Content-Length, passed through unchanged.
public sealed partial class XenApiConnection : IGuestTransfer
{
    public async Task<GuestExport> OpenExportAsync(string guestId, CancellationToken cancellationToken)
    {
        var (_, vm) = await FindVmAsync(guestId, cancellationToken);
        if (vm.PowerState is "Running" or "Paused")
        {
            throw new ConflictException($"Guest '{vm.NameLabel}' is {vm.PowerState}: stop it before exporting it.");
        }

        var task = await Call.CreateTask("simplestack export", vm.Uuid, cancellationToken);
        HttpResponseMessage? response = null;
        try
        {
            response = await _session.SendToHandlerAsync(HttpMethod.Get, "/export", [new("uuid", vm.Uuid), new("task_id", task)], null, cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                await ThrowTransferFailureAsync(task, response.StatusCode, "export", cancellationToken);
            }
        }
        catch
        {
            response?.Dispose();
            await ForgetTaskAsync(task);
            throw;
        }

        // xapi streams until it closes, with no Content-Length: the length is passed on only when known.
        return new GuestExport($"{vm.NameLabel}.xva", response.Content.Headers.ContentLength, async (output, ct) =>
        {
            try
            {
                using (response)
                {
                    await using var body = await response.Content.ReadAsStreamAsync(ct);
                    await body.CopyToAsync(output, ct);
                }

                // The stream ended: the task says whether it was the whole VM or a failure midway.
                await WaitForTaskAsync(task, "export", ct);
            }
            finally
            {
                await ForgetTaskAsync(task);
            }
        });
    }

    public async Task<Guest> ImportGuestAsync(Stream source, long? length, string? storageId, CancellationToken cancellationToken)
    {
        if (length is not { } bytes)
        {
            throw new SimplestackException(
                ErrorKind.LengthRequired,
                "The xen driver streams an import straight into the pool, which refuses chunked uploads: send the XVA with a Content-Length.");
        }

        var srRef = storageId is null ? await ImportSrAsync(cancellationToken) : await FindDiskSrAsync(storageId, cancellationToken);
        var task = await Call.CreateTask("simplestack import", "", cancellationToken);
        try
        {
            var content = new StreamContent(source);
            content.Headers.ContentLength = bytes;
            content.Headers.ContentType = new("application/octet-stream");
            var progress = new ImportProgress();
            using (var following = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                // xapi's handler moves the task's progress as the body arrives: followed while it is sent.
                var follower = WorkContext.Current?.Progress is null ? Task.CompletedTask : FollowTaskAsync(task, progress.Report, following.Token);
                try
                {
                    using var response = await _session.SendToHandlerAsync(HttpMethod.Put, "/import", [new("sr_id", srRef), new("task_id", task)], content, cancellationToken);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        await ThrowTransferFailureAsync(task, response.StatusCode, "import", cancellationToken);
                    }
                }
                finally
                {
                    await following.CancelAsync();
                    await follower;
                }
            }

            var done = await WaitForTaskAsync(task, "import", cancellationToken, progress.Report);
            var vmRef = XmlRpcValues.Strings(done.Result).FirstOrDefault(v => v.StartsWith("OpaqueRef:", StringComparison.Ordinal))
                        ?? throw new HypervisorErrorException("The Xen pool finished the import without naming the VM it made.");
            await StampImportedAsync(vmRef, cancellationToken);
            var guest = await ReadGuestAsync(vmRef, cancellationToken);
            WorkContext.Report(100, "imported");
            return guest;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller went away mid-upload: xapi cleans up what it made once its task is cancelled.
            await CancelTaskQuietlyAsync(task);
            throw;
        }
        finally
        {
            await ForgetTaskAsync(task);
        }
    }

    /// <summary>
    /// Gives the imported VM the work's stamp in place of any the XVA carried (an export keeps
    /// other_config); when that fails the VM goes, so a retry does not find a second copy.
    /// </summary>
    private async Task StampImportedAsync(string vmRef, CancellationToken cancellationToken)
    {
        var vm = await Call.Vm(vmRef, cancellationToken);
        await using var undo = new Reverter(_logger);
        undo.Add($"imported VM {vm.NameLabel}", async () =>
            await DestroyVmAndOwnDisksAsync(vmRef, await Call.Vm(vmRef, CancellationToken.None), keepDisks: false, CancellationToken.None));
        await StampMadeVmAsync(vmRef, vm.OtherConfig, cancellationToken);
        undo.Commit();
    }

    /// <summary>Reports a task's progress until <paramref name="cancellationToken"/> ends the following or the task ends; never fails the work.</summary>
    private async Task FollowTaskAsync(string task, Action<double> progressed, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var record = await Call.TaskRecord(task, cancellationToken);
                if (record.Status != "pending")
                {
                    return;
                }

                progressed(record.Progress);
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            }
        }
        catch (Exception error) when (error is SimplestackException or OperationCanceledException)
        {
            // Progress is a courtesy: the transfer's own outcome is what counts.
        }
    }

    /// <summary>An import's progress (0..95 %, the rest is reading the VM back), never going back though two pollers feed it.</summary>
    private sealed class ImportProgress
    {
        private readonly Lock _gate = new();
        private double _highest = -1;

        public void Report(double fraction)
        {
            lock (_gate)
            {
                if (fraction <= _highest)
                {
                    return;
                }

                _highest = fraction;
                WorkContext.Report(Math.Clamp(fraction, 0, 1) * 95, "importing");
            }
        }
    }

    /// <summary>Where an import goes when no storage is named: the pool's default SR, else the disk SR with the most room.</summary>
    private async Task<string> ImportSrAsync(CancellationToken cancellationToken)
    {
        var pool = (await Call.AllPools(cancellationToken)).Values.FirstOrDefault();
        if (pool is not null && !XenRefs.IsNull(pool.DefaultSr))
        {
            return pool.DefaultSr;
        }

        // The original also took ISO libraries here, where xapi refuses imports: only disk SRs.
        var roomiest = (await Call.AllSrs(cancellationToken))
            .Where(sr => !IsIsoLibrary(sr.Value) && sr.Value.Pbds.Count > 0)
            .OrderByDescending(sr => sr.Value.PhysicalSize - sr.Value.VirtualAllocation)
            .Select(sr => sr.Key)
            .FirstOrDefault();
        return roomiest ?? throw new InvalidArgumentException("The pool has no default SR and no SR that takes disks: name one as the storage.");
    }

    /// <summary>
    /// Waits for a transfer's task to end (the handler's HTTP answer comes before its work does) and
    /// returns it on success; its XenAPI failure otherwise, through the one error table.
    /// </summary>
    /// <param name="progressed">Told the task's progress (0..1, never less than before) while it runs.</param>
    private async Task<TaskRecord> WaitForTaskAsync(string task, string what, CancellationToken cancellationToken, Action<double>? progressed = null)
    {
        var pause = TimeSpan.FromMilliseconds(20);
        var reported = 0.0;
        while (true)
        {
            var record = await Call.TaskRecord(task, cancellationToken);
            if (progressed is not null && record.Status == "pending" && record.Progress > reported)
            {
                reported = Math.Min(record.Progress, 1);
                progressed(reported);
            }

            switch (record.Status)
            {
                case "success":
                    return record;
                case "failure":
                    throw record.ErrorInfo is [var code, .. var parameters]
                        ? XenApiErrors.ToDomain(new XenApiFailure(code, parameters))
                        : new HypervisorErrorException($"The Xen pool's {what} failed without saying why.");
                case "cancelled" or "cancelling":
                    throw new HypervisorErrorException($"The Xen pool's {what} was cancelled.");
            }

            await Task.Delay(pause, cancellationToken);
            pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 500));
        }
    }

    /// <summary>A handler that did not answer 200: the task's own error when it has one, else the HTTP status.</summary>
    private async Task ThrowTransferFailureAsync(string task, HttpStatusCode status, string what, CancellationToken cancellationToken)
    {
        var record = await Call.TaskRecord(task, cancellationToken);
        if (record.Status == "failure" && record.ErrorInfo is [var code, .. var parameters])
        {
            throw XenApiErrors.ToDomain(new XenApiFailure(code, parameters));
        }

        throw status switch
        {
            HttpStatusCode.BadRequest => new InvalidArgumentException($"The Xen pool refused the {what} (HTTP 400): an ISO library or a body that is not an XVA."),
            HttpStatusCode.NotFound => new EntityNotFoundException($"The Xen pool found nothing to {what} (HTTP 404)."),
            _ => new HypervisorErrorException($"The Xen pool answered the {what} with HTTP {(int)status}."),
        };
    }

    private async Task CancelTaskQuietlyAsync(string task)
    {
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await Call.CancelTask(task, limit.Token);
        }
        catch (Exception error) when (error is SimplestackException or OperationCanceledException)
        {
            // Already finished, or the pool is gone: nothing is left to stop.
        }
    }

    /// <summary>Destroys a task this driver made (the original never did, so they piled up in the pool).</summary>
    private async Task ForgetTaskAsync(string task)
    {
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await Call.DestroyTask(task, limit.Token);
        }
        catch (Exception error) when (error is SimplestackException or OperationCanceledException)
        {
            // The pool destroys finished tasks on its own after a while.
        }
    }
}
