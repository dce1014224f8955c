using Microsoft.AspNetCore.Http.HttpResults;
using Simplestack.Core;
using Simplestack.Server.Requests;
using Simplestack.Server.OpenApi;
using Simplestack.Server.Targets;

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
            .ProducesError(StatusCodes.Status409Conflict);
        disks.MapGet("/{diskId}", GetDisk)
            .WithName("GetDisk")
            .WithSummary("One disk, by device target (vda, sdb)");
        disks.MapPut("/{diskId}", UpdateDisk)
            .WithName("UpdateDisk")
            .WithSummary("Rename a disk or grow it to 'size' GiB")
            .ProducesError(StatusCodes.Status409Conflict);
        disks.MapDelete("/{diskId}", DeleteDisk)
            .WithName("DeleteDisk")
            .WithSummary("Detach a disk and delete its volume")
            .ProducesError(StatusCodes.Status409Conflict);
        return routes;
    }

    public static async Task<Ok<IReadOnlyList<Disk>>> ListDisks(HypervisorSession hv, string guestId)
        => TypedResults.Ok(await (await hv.RequireAsync<IDiskManagement>()).ListDisksAsync(guestId, hv.Aborted));

    public static async Task<Created<Disk>> CreateDisk(HypervisorSession hv, string guestId, JsonBody<DiskCreateRequest> body)
    {
        var disks = await hv.RequireAsync<IDiskManagement>();
        var disk = await disks.CreateDiskAsync(guestId, body.Value, hv.Aborted);
        return TypedResults.Created(hv.PathFor("guests", guestId, "disks", disk.Id), disk);
    }

    public static async Task<Ok<Disk>> GetDisk(HypervisorSession hv, string guestId, string diskId)
        => TypedResults.Ok(await (await hv.RequireAsync<IDiskManagement>()).GetDiskAsync(guestId, diskId, hv.Aborted));

    public static async Task<Ok<Disk>> UpdateDisk(HypervisorSession hv, string guestId, string diskId, JsonBody<DiskUpdateRequest> body)
    {
        var disks = await hv.RequireAsync<IDiskManagement>();
        return TypedResults.Ok(await disks.UpdateDiskAsync(guestId, diskId, body.Value, hv.Aborted));
    }

    public static async Task<NoContent> DeleteDisk(HypervisorSession hv, string guestId, string diskId)
    {
        await (await hv.RequireAsync<IDiskManagement>()).DeleteDiskAsync(guestId, diskId, hv.Aborted);
        return TypedResults.NoContent();
    }
}
