using System.Xml.Linq;

namespace Simplestack.Drivers.Libvirt.Xml;

/// <summary>Storage pool definitions (<c>virStoragePoolDefineXML</c>).</summary>
public static class StoragePoolXml
{
    /// <summary>A directory pool: its volumes are files in <paramref name="path"/>.</summary>
    public static string BuildDirectory(string name, string path)
    {
        LibvirtNames.ValidateName("storage pool", name);
        return XmlSupport.Write(new XElement("pool", new XAttribute("type", "dir"),
            new XElement("name", name),
            new XElement("target", new XElement("path", path))));
    }
}
