using Simplestack.Core;
using Simplestack.Drivers.VSphere.Soap;

namespace Simplestack.Drivers.VSphere;

// Images (API.md §6) are the template VMs (config.template true): id the template's config.uuid
// (its name is accepted where unique), size its disks' capacity, storage the datastore it is on,
// path its .vmx. A create whose `image` names one clones it (Clone.cs).
public sealed partial class VSphereConnection : IImageCatalog
{
    private static readonly string[] TemplatePaths =
        ["name", "config.uuid", "config.template", "config.hardware.device", "config.files.vmPathName", "datastore"];

    public async Task<IReadOnlyList<Image>> ListImagesAsync(CancellationToken cancellationToken)
    {
        var inventory = await _collector.RetrieveAllAsync(
            new Dictionary<string, string[]> { ["VirtualMachine"] = TemplatePaths, ["Datastore"] = ["name"] }, cancellationToken);
        return [.. inventory.Where(IsTemplate).Select(t => ToImage(t, inventory)).OrderBy(i => i.Name, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The template an <c>image</c> names, by config.uuid then by (unique) name. A body field that
    /// names nothing is 400, as an unknown network is; a VM that is not a template is 400 saying so.
    /// </summary>
    private async Task<ObjectContent> FindTemplateAsync(string image, CancellationToken cancellationToken)
    {
        var vms = await _collector.RetrieveAllAsync(new Dictionary<string, string[]> { ["VirtualMachine"] = TemplatePaths }, cancellationToken);
        var templates = vms.Where(IsTemplate).ToList();
        if (templates.FirstOrDefault(t => string.Equals(t.Text("config.uuid"), image, StringComparison.OrdinalIgnoreCase)) is { } byUuid)
        {
            return byUuid;
        }

        var byName = templates.Where(t => t.Text("name") == image).ToList();
        if (byName.Count > 1)
        {
            throw new ConflictException($"{byName.Count} templates are named '{image}': name one by its uuid.");
        }

        if (byName.Count == 1)
        {
            return byName[0];
        }

        if (vms.Any(vm => GuestMapping.IsGuest(vm) && (vm.Text("name") == image || string.Equals(vm.Text("config.uuid"), image, StringComparison.OrdinalIgnoreCase))))
        {
            throw new InvalidArgumentException($"image: '{image}' is a VM, not a template: mark it as a template first, or clone the guest.");
        }

        throw new InvalidArgumentException($"image: no template is named '{image}' (GET .../images lists them).");
    }

    private static bool IsTemplate(ObjectContent vm) => vm.Obj.Type == "VirtualMachine" && vm.Bool("config.template") && vm.Text("config.uuid") is not null;

    private static Image ToImage(ObjectContent template, IReadOnlyList<ObjectContent> inventory)
    {
        var bytes = GuestMapping.Devices(template.Val("config.hardware.device")).Where(GuestMapping.IsDisk).Sum(GuestMapping.DiskBytes);
        var path = template.Text("config.files.vmPathName") ?? "";
        // The datastore the template is on: its `datastore` property, else the one its .vmx path names.
        var storageId = template.Val("datastore")?.Elements().Select(d => d.Value.Trim()).FirstOrDefault(v => v.Length > 0)
                        ?? inventory.FirstOrDefault(d => d.Obj.Type == "Datastore" && path.StartsWith($"[{d.Text("name")}]", StringComparison.Ordinal))?.Obj.Value
                        ?? "";
        return new Image(
            Id: template.Text("config.uuid") ?? "",
            Name: template.Text("name") ?? "",
            StorageId: storageId,
            Size: Math.Round(bytes / BytesPerGiB, 2),
            SizeBytes: bytes,
            Format: "vmdk",
            Path: path);
    }
}
