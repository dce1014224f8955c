namespace Simplestack.Drivers.Libvirt.Xml;

/// <summary>What the driver needs from a storage pool's XML (<c>virStoragePoolGetXMLDesc</c>).</summary>
/// <param name="Type">The pool type: <c>dir</c>, <c>logical</c>, <c>netfs</c>…</param>
/// <param name="TargetPath">The directory (or device folder) the pool's volumes live in.</param>
public sealed record StoragePoolDescription(string Name, Guid Uuid, string Type, string? TargetPath)
{
    public static StoragePoolDescription Parse(string xml)
    {
        var root = XmlSupport.Load(xml, "pool");
        return new StoragePoolDescription(
            Name: root.Element("name")?.Value ?? "",
            Uuid: XmlSupport.ParseGuid(root.Element("uuid")?.Value),
            Type: root.Attr("type") ?? "",
            TargetPath: root.Element("target")?.Element("path")?.Value);
    }
}
