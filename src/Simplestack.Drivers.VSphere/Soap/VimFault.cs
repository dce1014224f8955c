using System.Xml.Linq;

namespace Simplestack.Drivers.VSphere.Soap;

/// <summary>
/// A fault the vSphere server answered: its type (<c>InvalidLogin</c>, <c>InvalidPowerState</c>...),
/// read from the detail's <c>xsi:type</c>, and the detail itself for the table to read fields from.
/// Internal to the driver: <see cref="VimFaults.ToDomain"/> turns it into the domain's exception
/// before it leaves a call. Its message names the type and the method only: a fault's string may
/// echo a call's arguments (a Login's), so it is never kept.
/// </summary>
public sealed class VimFault(string method, string faultType, XElement? detail)
    : Exception($"vSphere fault {faultType} from {method}")
{
    public string Method { get; } = method;

    public string FaultType { get; } = faultType;

    /// <summary>The fault's data object (<c>&lt;InvalidPowerStateFault xsi:type="InvalidPowerState"&gt;</c>), when sent.</summary>
    public XElement? Detail { get; } = detail;

    /// <summary>A field of the fault's data object, or an empty string.</summary>
    public string Field(string name) => Detail?.ChildValue(name) ?? "";
}
