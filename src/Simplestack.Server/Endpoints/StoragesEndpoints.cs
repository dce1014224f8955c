using Microsoft.AspNetCore.Http.HttpResults;
using Simplestack.Core;
using Simplestack.Server.OpenApi;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Endpoints;

public static class StoragesEndpoints
{
    public static IEndpointRouteBuilder MapStoragesEndpoints(this IEndpointRouteBuilder routes)
    {
        var storages = routes.MapGroup("/storages").WithTags("Storages");
        storages.MapGet(string.Empty, ListStorages)
            .WithName("ListStorages")
            .WithSummary("Storage pools")
            .WithDescription("Sizes in GiB (used_space, allocated_space, size) and exact byte counts (*_bytes).");
        storages.MapGet("/{storageId}", GetStorage)
            .WithName("GetStorage")
            .WithSummary("One storage pool, by UUID or name");
        storages.MapPost("/{storageId}/guests", ImportGuestIntoStorage)
            .WithName("ImportGuestIntoStorage")
            .WithSummary("Import a guest into this storage pool")
            .WithDescription("The body is an export archive (API.md §5), streamed; the guest's disks are created in this pool. 201 with the guest and its Location.")
            .AcceptsArchive("An export archive: manifest.json, domain.xml and disks/<device>.qcow2.")
            .CreatesWithKey<Guest>();
        return routes;
    }

    public static async Task<Ok<IReadOnlyList<StorageInfo>>> ListStorages(HypervisorSession hv)
        => TypedResults.Ok(await (await hv.RequireAsync<IStorageManagement>()).ListStoragesAsync(hv.Aborted));

    public static async Task<Ok<StorageInfo>> GetStorage(HypervisorSession hv, string storageId)
        => TypedResults.Ok(await (await hv.RequireAsync<IStorageManagement>()).GetStorageAsync(storageId, hv.Aborted));

    public static Task<IResult> ImportGuestIntoStorage(HypervisorSession hv, string storageId)
        => GuestsEndpoints.ImportAsync(hv, storageId);
}
