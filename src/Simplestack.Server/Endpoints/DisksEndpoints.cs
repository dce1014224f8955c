using Microsoft.AspNetCore.Http.HttpResults;
using Simplestack.Core;
using Simplestack.Server.Requests;
using Simplestack.Server.OpenApi;
using Simplestack.Core.Idempotency;
using Simplestack.Server.Targets;
using Simplestack.Server.Work;

namespace Simplestack.Server.Endpoints;

public static class DisksEndpoints
{
    public static IEndpointRouteBuilder MapDisksEndpoints(this IEndpointRouteBuilder routes)
    {
        var disks = routes.MapGroup("/guests/{guestId}/disks").WithTags("Disks");
        disks.MapGet(string.Empty, ListDisks)
            .WithName("ListDisks")
            .WithSummary("A guest's disks (sizes in GiB, exact size_bytes)");
        disks.MapPost(string.Empty, CreateDisk)
            .WithName("CreateDisk")
            .WithSummary("Add a disk: a new volume of 'size' GiB in 'storage_id' (or the default pool)")
            .CreatesWithKey<Disk>();
        disks.MapGet("/{diskId}", GetDisk)
            .WithName("GetDisk")
            .WithSummary("One disk, by device target (vda, sdb)");
        disks.MapPut("/{diskId}", UpdateDisk)
            .WithName("UpdateDisk")
            .WithSummary("Rename a disk or grow it to 'size' GiB")
            .WithDescription("With Accept: text/event-stream, progress events and a final result event (API.md §9).")
            .Produces<Disk>(StatusCodes.Status200OK, "application/json")
            .FollowedAsStream()
            .ProducesError(StatusCodes.Status409Conflict);
        disks.MapDelete("/{diskId}", DeleteDisk)
            .WithName("DeleteDisk")
            .WithSummary("Detach a disk and delete its volume")
            .ProducesError(StatusCodes.Status409Conflict);
        return routes;
    }

    public static async Task<Ok<IReadOnlyList<Disk>>> ListDisks(HypervisorSession hv, string guestId)
        => TypedResults.Ok(await (await hv.RequireAsync<IDiskManagement>()).ListDisksAsync(guestId, hv.Aborted));

    public static async Task<IResult> CreateDisk(HypervisorSession hv, string guestId, JsonBody<DiskCreateRequest> body)
    {
        var disks = await hv.RequireAsync<IDiskManagement>();
        return await LongWork.CreateAsync(
            hv,
            CreatedScope.On(guestId, CreatedKind.Disk),
            body.Value,
            ct => disks.CreateDiskAsync(guestId, body.Value, ct),
            (diskId, ct) => disks.GetDiskAsync(guestId, diskId, ct),
            disk => TypedResults.Created(hv.PathFor("guests", guestId, "disks", disk.Id), disk));
    }

    public static async Task<Ok<Disk>> GetDisk(HypervisorSession hv, string guestId, string diskId)
        => TypedResults.Ok(await (await hv.RequireAsync<IDiskManagement>()).GetDiskAsync(guestId, diskId, hv.Aborted));

    /// <remarks>Followed as a stream when asked: growing a disk is long work.</remarks>
    public static async Task<IResult> UpdateDisk(HypervisorSession hv, string guestId, string diskId, JsonBody<DiskUpdateRequest> body)
    {
        var disks = await hv.RequireAsync<IDiskManagement>();
        return await LongWork.RunAsync(hv, async ct => TypedResults.Ok(await disks.UpdateDiskAsync(guestId, diskId, body.Value, ct)));
    }

    public static async Task<NoContent> DeleteDisk(HypervisorSession hv, string guestId, string diskId)
    {
        await (await hv.RequireAsync<IDiskManagement>()).DeleteDiskAsync(guestId, diskId, hv.Aborted);
        return TypedResults.NoContent();
    }
}
