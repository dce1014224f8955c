using System.Xml.Linq;

namespace Simplestack.Drivers.VSphere.Soap;

/// <summary>A managed object reference (<c>&lt;obj type="VirtualMachine"&gt;vm-42&lt;/obj&gt;</c>): valid for the server's life, not only a session's.</summary>
public readonly record struct MoRef(string Type, string Value)
{
    public override string ToString() => $"{Type}:{Value}";

    /// <summary>The reference an element carries (its <c>type</c> attribute, or its <c>xsi:type</c> for the rare untyped one, and its text).</summary>
    public static MoRef From(XElement element)
    {
        ArgumentNullException.ThrowIfNull(element);
        var type = (string?)element.Attribute("type") ?? "";
        return new MoRef(type, element.Value.Trim());
    }
}

/// <summary>
/// The vim25 names and the few helpers requests are built with: elements in the <c>urn:vim25</c>
/// namespace, managed object references, and <c>xsi:type</c> on polymorphic values. Element order
/// inside a data object is the WSDL's (govmomi's vim25/types/types.go), which callers keep.
/// </summary>
public static class Vim
{
    public static readonly XNamespace Ns = "urn:vim25";
    public static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";
    public static readonly XNamespace Xsd = "http://www.w3.org/2001/XMLSchema";
    public static readonly XNamespace Soapenv = "http://schemas.xmlsoap.org/soap/envelope/";

    /// <summary>The ServiceInstance every session starts from.</summary>
    public static readonly MoRef ServiceInstance = new("ServiceInstance", "ServiceInstance");

    /// <summary>A vim25 element; null content is left out (an absent optional field).</summary>
    public static XElement E(string name, params object?[] content) => new(Ns + name, content.Where(c => c is not null));

    /// <summary>A managed object reference parameter or field.</summary>
    public static XElement Ref(string name, MoRef reference) => new(Ns + name, new XAttribute("type", reference.Type), reference.Value);

    /// <summary>A data object whose declared type is a base type: <c>xsi:type</c> names the one sent.</summary>
    public static XElement Typed(string name, string type, params object?[] content)
        => new(Ns + name, new XAttribute(Xsi + "type", type), content.Where(c => c is not null));

    /// <summary>An <c>xsd:boolean</c>.</summary>
    public static string Bool(bool value) => value ? "true" : "false";

    /// <summary>A child in the vim25 namespace.</summary>
    public static XElement? Child(this XElement element, string name) => element.Element(Ns + name);

    /// <summary>The text of a child, or null when absent.</summary>
    public static string? ChildValue(this XElement element, string name) => element.Element(Ns + name)?.Value;

    /// <summary>The <c>xsi:type</c> of an element (prefix removed), or null.</summary>
    public static string? XsiType(this XElement element)
    {
        var type = (string?)element.Attribute(Xsi + "type");
        if (type is null)
        {
            return null;
        }

        var colon = type.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? type : type[(colon + 1)..];
    }
}
