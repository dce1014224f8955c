using System.Xml.Linq;
using Simplestack.Core;

namespace Simplestack.Drivers.VSphere.Soap;

/// <summary>What <c>RetrieveServiceContent</c> answers that this driver uses: the server's identity and its managers.</summary>
public sealed record ServiceContent(
    string FullName,
    string Version,
    string ApiType,
    string ApiVersion,
    string InstanceUuid,
    MoRef RootFolder,
    MoRef PropertyCollector,
    MoRef ViewManager,
    MoRef SearchIndex,
    MoRef SessionManager,
    MoRef? OvfManager = null,
    MoRef? FileManager = null)
{
    /// <summary>vCenter (<c>VirtualCenter</c>) rather than a standalone ESXi (<c>HostAgent</c>).</summary>
    public bool IsVCenter => ApiType == "VirtualCenter";

    public static ServiceContent Read(XElement returnval)
    {
        ArgumentNullException.ThrowIfNull(returnval);
        var about = returnval.Child("about") ?? throw new HypervisorErrorException("The vSphere server's service content has no 'about'.");
        return new ServiceContent(
            FullName: about.ChildValue("fullName") ?? "",
            Version: about.ChildValue("version") ?? "",
            ApiType: about.ChildValue("apiType") ?? "",
            ApiVersion: about.ChildValue("apiVersion") ?? "",
            InstanceUuid: about.ChildValue("instanceUuid") ?? "",
            RootFolder: Manager(returnval, "rootFolder"),
            PropertyCollector: Manager(returnval, "propertyCollector"),
            ViewManager: Manager(returnval, "viewManager"),
            SearchIndex: Manager(returnval, "searchIndex"),
            SessionManager: Manager(returnval, "sessionManager"),
            OvfManager: returnval.Child("ovfManager") is { } ovf ? MoRef.From(ovf) : null,
            FileManager: returnval.Child("fileManager") is { } files ? MoRef.From(files) : null);
    }

    private static MoRef Manager(XElement content, string name)
        => content.Child(name) is { } element
            ? MoRef.From(element)
            : throw new HypervisorErrorException($"The vSphere server's service content has no '{name}'.");
}
