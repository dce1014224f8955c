using Microsoft.AspNetCore.Http.HttpResults;
using Simplestack.Core;
using Simplestack.Server.Requests;
using Simplestack.Server.OpenApi;
using Simplestack.Core.Idempotency;
using Simplestack.Server.Targets;
using Simplestack.Server.Work;

namespace Simplestack.Server.Endpoints;

public static class SnapshotsEndpoints
{
    public static IEndpointRouteBuilder MapSnapshotsEndpoints(this IEndpointRouteBuilder routes)
    {
        var snapshots = routes.MapGroup("/guests/{guestId}/snapshots").WithTags("Snapshots");
        snapshots.MapGet(string.Empty, ListSnapshots)
            .WithName("ListSnapshots")
            .WithSummary("A guest's snapshots (id = name, created in ISO 8601 UTC)");
        snapshots.MapPost(string.Empty, CreateSnapshot)
            .WithName("CreateSnapshot")
            .WithSummary("Take a snapshot; a name is generated when the body names none (the body is optional)")
            .WithDescription("With Accept: text/event-stream, progress events and a final result event (API.md §9).")
            .CreatesWithKey<Snapshot>();
        snapshots.MapGet("/{snapshotId}", GetSnapshot)
            .WithName("GetSnapshot")
            .WithSummary("One snapshot, by name");
        snapshots.MapDelete("/{snapshotId}", DeleteSnapshot)
            .WithName("DeleteSnapshot")
            .WithSummary("Delete a snapshot");
        snapshots.MapPut("/{snapshotId}/revert", RevertSnapshot)
            .WithName("RevertSnapshot")
            .WithSummary("Revert the guest to a snapshot")
            .ProducesError(StatusCodes.Status409Conflict);
        return routes;
    }

    public static async Task<Ok<IReadOnlyList<Snapshot>>> ListSnapshots(HypervisorSession hv, string guestId)
        => TypedResults.Ok(await (await hv.RequireAsync<ISnapshotManagement>()).ListSnapshotsAsync(guestId, hv.Aborted));

    public static async Task<IResult> CreateSnapshot(HypervisorSession hv, string guestId, OptionalJsonBody<SnapshotCreateRequest> body)
    {
        var snapshots = await hv.RequireAsync<ISnapshotManagement>();
        var request = body.Value ?? new SnapshotCreateRequest();
        return await LongWork.CreateAsync(
            hv,
            CreatedScope.On(guestId, CreatedKind.Snapshot),
            request,
            ct => snapshots.CreateSnapshotAsync(guestId, request, ct),
            (snapshotId, ct) => snapshots.GetSnapshotAsync(guestId, snapshotId, ct),
            snapshot => TypedResults.Created(hv.PathFor("guests", guestId, "snapshots", snapshot.Id), snapshot));
    }

    public static async Task<Ok<Snapshot>> GetSnapshot(HypervisorSession hv, string guestId, string snapshotId)
        => TypedResults.Ok(await (await hv.RequireAsync<ISnapshotManagement>()).GetSnapshotAsync(guestId, snapshotId, hv.Aborted));

    public static async Task<NoContent> DeleteSnapshot(HypervisorSession hv, string guestId, string snapshotId)
    {
        await (await hv.RequireAsync<ISnapshotManagement>()).DeleteSnapshotAsync(guestId, snapshotId, hv.Aborted);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<ActionResult>> RevertSnapshot(HypervisorSession hv, string guestId, string snapshotId)
    {
        await (await hv.RequireAsync<ISnapshotManagement>()).RevertSnapshotAsync(guestId, snapshotId, hv.Aborted);
        return TypedResults.Ok(ActionResult.Ok("revert"));
    }
}
