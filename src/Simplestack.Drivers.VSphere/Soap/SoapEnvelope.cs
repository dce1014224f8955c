using System.Text;
using System.Xml;
using System.Xml.Linq;
using Simplestack.Core;

namespace Simplestack.Drivers.VSphere.Soap;

/// <summary>
/// vim25 SOAP 1.1 envelopes: a request written with <see cref="XmlWriter"/> (the method element in
/// <c>urn:vim25</c>, its parameters in the WSDL's order as the caller built them), and an answer
/// read into its response element or a <see cref="VimFault"/>. Pure functions: no I/O.
/// </summary>
public static class SoapEnvelope
{
    private static readonly XmlWriterSettings WriterSettings = new() { Encoding = new UTF8Encoding(false), Indent = false };

    /// <summary>
    /// The request body for <paramref name="method"/> with its parameters (<c>_this</c> first). A
    /// value XML 1.0 cannot carry (a NUL, a lone surrogate) is a 400 naming no value.
    /// </summary>
    public static byte[] WriteRequest(string method, IEnumerable<XElement> parameters)
    {
        try
        {
            return Write(method, parameters);
        }
        catch (ArgumentException error) when (error is not ArgumentNullException)
        {
            throw new InvalidArgumentException($"A value sent with {method} holds a character XML cannot carry (a control character or a lone surrogate).");
        }
    }

    private static byte[] Write(string method, IEnumerable<XElement> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, WriterSettings))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement("soapenv", "Envelope", Vim.Soapenv.NamespaceName);
            writer.WriteAttributeString("xmlns", "xsi", null, Vim.Xsi.NamespaceName);
            writer.WriteAttributeString("xmlns", "xsd", null, Vim.Xsd.NamespaceName);
            writer.WriteStartElement("soapenv", "Body", Vim.Soapenv.NamespaceName);
            writer.WriteStartElement(method, Vim.Ns.NamespaceName);
            foreach (var parameter in parameters)
            {
                parameter.WriteTo(writer);
            }

            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteEndDocument();
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// The <c>&lt;{method}Response&gt;</c> element of an answer. A SOAP fault (vSphere sends them
    /// with HTTP 500) throws <see cref="VimFault"/>; anything else that is not an answer throws
    /// <see cref="HypervisorErrorException"/>.
    /// </summary>
    public static XElement ReadResponse(string method, XDocument answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var body = answer.Root?.Element(Vim.Soapenv + "Body")
                   ?? throw new HypervisorErrorException($"The vSphere server's answer to {method} is not a SOAP envelope.");
        var fault = body.Element(Vim.Soapenv + "Fault");
        if (fault is not null)
        {
            throw ReadFault(method, fault);
        }

        return body.Element(Vim.Ns + method + "Response")
               ?? throw new HypervisorErrorException($"The vSphere server's answer to {method} has no {method}Response.");
    }

    /// <summary>
    /// A fault's type: the <c>xsi:type</c> of the data object in <c>detail</c> (the element is named
    /// <c>{Type}Fault</c>), or <c>Fault</c> when the server sent no detail.
    /// </summary>
    public static VimFault ReadFault(string method, XElement fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        var detail = fault.Element("detail")?.Elements().FirstOrDefault();
        var type = detail?.XsiType()
                   ?? (detail is not null && detail.Name.LocalName.EndsWith("Fault", StringComparison.Ordinal) && detail.Name.LocalName.Length > 5
                       ? detail.Name.LocalName[..^5]
                       : "Fault");
        return new VimFault(method, type, detail);
    }

    /// <summary>
    /// A fault inside a data object (a task's <c>info.error</c>, a <c>LocalizedMethodFault</c>):
    /// its <c>fault</c> child carries the type.
    /// </summary>
    public static VimFault ReadLocalizedFault(string method, XElement localizedMethodFault)
    {
        ArgumentNullException.ThrowIfNull(localizedMethodFault);
        var inner = localizedMethodFault.Child("fault");
        return new VimFault(method, inner?.XsiType() ?? "Fault", inner);
    }
}
