using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Simplestack.Core;
using Simplestack.Server.Requests;
using Simplestack.Server.OpenApi;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Endpoints;

/// <summary>The additions of API.md §6 for the Libcloud-style SDK: images, sizes and storage volumes.</summary>
public static class CatalogEndpoints
{
    public static IEndpointRouteBuilder MapCatalogEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/images", ListImages)
            .WithTags("Images")
            .WithName("ListImages")
            .WithSummary("Base volumes a guest can be created from (the 'image' of a create body)");
        routes.MapGet("/sizes", ListSizes)
            .WithTags("Sizes")
            .WithName("ListSizes")
            .WithSummary("Instance types (cpus, memory in MiB, disk in GiB) from configuration; StratusLab's standard list by default");

        var volumes = routes.MapGroup("/storages/{storageId}/volumes").WithTags("Volumes");
        volumes.MapGet(string.Empty, ListVolumes)
            .WithName("ListVolumes")
            .WithSummary("The volumes of a storage pool");
        volumes.MapPost(string.Empty, CreateVolume)
            .WithName("CreateVolume")
            .WithSummary("Create a volume: {\"name\", \"size\" (GiB), \"format\"?}")
            .ProducesError(StatusCodes.Status409Conflict);
        volumes.MapGet("/{volumeId}", GetVolume)
            .WithName("GetVolume")
            .WithSummary("One volume, by name");
        volumes.MapDelete("/{volumeId}", DeleteVolume)
            .WithName("DeleteVolume")
            .WithSummary("Delete a volume (409 while a guest uses it)")
            .ProducesError(StatusCodes.Status409Conflict);
        return routes;
    }

    public static async Task<Ok<IReadOnlyList<Image>>> ListImages(HypervisorSession hv)
        => TypedResults.Ok(await (await hv.RequireAsync<IImageCatalog>()).ListImagesAsync(hv.Aborted));

    /// <summary>Sizes come from configuration: no hypervisor is asked.</summary>
    public static Ok<IReadOnlyList<InstanceSize>> ListSizes(IOptions<CatalogOptions> options)
        => TypedResults.Ok(InstanceSizes.From(options.Value.Sizes));

    public static async Task<Ok<IReadOnlyList<Volume>>> ListVolumes(HypervisorSession hv, string storageId)
        => TypedResults.Ok(await (await hv.RequireAsync<IVolumeManagement>()).ListVolumesAsync(storageId, hv.Aborted));

    public static async Task<Ok<Volume>> GetVolume(HypervisorSession hv, string storageId, string volumeId)
        => TypedResults.Ok(await (await hv.RequireAsync<IVolumeManagement>()).GetVolumeAsync(storageId, volumeId, hv.Aborted));

    public static async Task<Created<Volume>> CreateVolume(HypervisorSession hv, string storageId, JsonBody<VolumeCreateRequest> body)
    {
        var volume = await (await hv.RequireAsync<IVolumeManagement>()).CreateVolumeAsync(storageId, body.Value, hv.Aborted);
        return TypedResults.Created(hv.PathFor("storages", storageId, "volumes", volume.Id), volume);
    }

    public static async Task<NoContent> DeleteVolume(HypervisorSession hv, string storageId, string volumeId)
    {
        await (await hv.RequireAsync<IVolumeManagement>()).DeleteVolumeAsync(storageId, volumeId, hv.Aborted);
        return TypedResults.NoContent();
    }
}

/// <summary>
/// Instance types: StratusLab's standard list (cpus / MiB / GiB), to which configuration
/// (<c>Simplestack:Sizes</c>) adds sizes or replaces them by id.
/// </summary>
/// <remarks>
/// Each names a disk, so a client creating a guest from a size and an image asks for a boot disk
/// of that many GiB (<c>"disks": [{"size": GiB}]</c> next to <c>"image"</c>; the libvirt drivers
/// grow the image's copy or overlay to it) rather than getting the image's own few MiB. The
/// figures are a lab's (thin qcow2 overlays), growing with memory, not EC2's instance stores.
/// </remarks>
public static class InstanceSizes
{
    public static readonly IReadOnlyList<InstanceSize> StratusLab =
    [
        new("t1.micro", "t1.micro", 1, 512, 5),
        new("m1.small", "m1.small", 1, 1536, 10),
        new("m1.medium", "m1.medium", 1, 3072, 20),
        new("m1.large", "m1.large", 2, 6144, 40),
        new("m1.xlarge", "m1.xlarge", 4, 8192, 80),
        new("c1.medium", "c1.medium", 2, 1536, 10),
        new("c1.xlarge", "c1.xlarge", 4, 6144, 40),
    ];

    public static IReadOnlyList<InstanceSize> From(IEnumerable<SizeOptions> configured)
    {
        var sizes = StratusLab.ToDictionary(s => s.Id, StringComparer.Ordinal);
        var order = StratusLab.Select(s => s.Id).ToList();
        foreach (var size in configured)
        {
            if (!sizes.ContainsKey(size.Id))
            {
                order.Add(size.Id);
            }

            sizes[size.Id] = new InstanceSize(size.Id, size.Name ?? size.Id, size.Cpus, size.Memory, size.Disk);
        }

        return [.. order.Select(id => sizes[id])];
    }
}

/// <summary>The instance types of <c>GET .../sizes</c> (section <c>Simplestack</c>).</summary>
public sealed class CatalogOptions
{
    public const string Section = "Simplestack";

    /// <summary>Instance types added to (or replacing, by id) StratusLab's standard list.</summary>
    public IList<SizeOptions> Sizes { get; } = [];
}

public sealed class SizeOptions
{
    public string Id { get; set; } = string.Empty;

    public string? Name { get; set; }

    public int Cpus { get; set; }

    /// <summary>MiB.</summary>
    public long Memory { get; set; }

    /// <summary>GiB, when the size implies a disk.</summary>
    public double? Disk { get; set; }
}

/// <summary>Refuses, at start-up, a configured size that cannot work, naming it.</summary>
internal sealed class CatalogOptionsValidator : IValidateOptions<CatalogOptions>
{
    public ValidateOptionsResult Validate(string? name, CatalogOptions options)
    {
        var failures = options.Sizes
            .Where(size => string.IsNullOrWhiteSpace(size.Id) || size.Cpus < 1 || size.Memory < 1 || size.Disk is <= 0)
            .Select(size => $"Simplestack:Sizes entry '{size.Id}' needs an id, cpus >= 1, memory >= 1 (MiB) and, if given, disk > 0 (GiB).")
            .ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
