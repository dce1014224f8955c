using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace Simplestack.Drivers.VSphere.Tests.Vcsim;

/// <summary>
/// Just enough vim25 SOAP, by hand over HttpClient, to check vcsim as any client would see it; the
/// driver has its own. Keeps the session cookie, and accepts only the certificate run.sh reported.
/// </summary>
internal sealed class VimSoap : IDisposable
{
    public static readonly XNamespace Vim = "urn:vim25";
    private static readonly XNamespace Envelope = "http://schemas.xmlsoap.org/soap/envelope/";
    private static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";

    private readonly HttpClientHandler _handler;
    private readonly HttpClient _http;
    private readonly Uri _sdk;

    public VimSoap(VcsimProcess vcsim)
    {
        _sdk = vcsim.Url;
        _handler = new HttpClientHandler
        {
            // The pin: the SHA-256 of the certificate's DER bytes, as the gateway will check it.
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                certificate is not null && Convert.ToHexString(SHA256.HashData(certificate.RawData)) == vcsim.CertificateSha256,
        };
        _http = new HttpClient(_handler);
    }

    /// <summary>Where the session cookie (vmware_soap_session) is kept between calls.</summary>
    public CookieContainer Cookies => _handler.CookieContainer;

    /// <summary>Posts one request element; returns the HTTP status and the Body's child (a response or a Fault).</summary>
    public async Task<(HttpStatusCode Status, XElement Body)> CallAsync(XElement request, CancellationToken cancellationToken)
    {
        var document = new XElement(Envelope + "Envelope",
            new XAttribute(XNamespace.Xmlns + "soapenv", Envelope.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "xsi", Xsi.NamespaceName),
            new XElement(Envelope + "Body", request));
        using var content = new StringContent(document.ToString(SaveOptions.DisableFormatting), Encoding.UTF8, "text/xml");
        content.Headers.Add("SOAPAction", "\"urn:vim25/6.5\"");
        using var response = await _http.PostAsync(_sdk, content, cancellationToken);
        var answer = XDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return (response.StatusCode, answer.Root!.Element(Envelope + "Body")!.Elements().Single());
    }

    /// <summary>Calls a method that must succeed; returns its <c>returnval</c> elements.</summary>
    public async Task<IReadOnlyList<XElement>> InvokeAsync(XElement request, CancellationToken cancellationToken)
    {
        var (status, body) = await CallAsync(request, cancellationToken);
        if (status != HttpStatusCode.OK || body.Name.LocalName == "Fault")
        {
            throw new InvalidOperationException($"{request.Name.LocalName}: HTTP {(int)status} {body}");
        }

        return body.Elements(Vim + "returnval").ToList();
    }

    public async Task<XElement> ServiceContentAsync(CancellationToken cancellationToken) =>
        (await InvokeAsync(Method("RetrieveServiceContent", Ref("_this", "ServiceInstance", "ServiceInstance")), cancellationToken)).Single();

    public Task<(HttpStatusCode Status, XElement Body)> LoginAsync(XElement content, string user, string password, CancellationToken cancellationToken) =>
        CallAsync(Method("Login", Ref("_this", content.Element(Vim + "sessionManager")!),
            new XElement(Vim + "userName", user), new XElement(Vim + "password", password)), cancellationToken);

    /// <summary>
    /// Every VM's name and power state: a ContainerView over the root folder read in one
    /// RetrievePropertiesEx, the way the driver lists guests. Needs a logged-in session.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> VirtualMachinesAsync(XElement content, CancellationToken cancellationToken)
    {
        var view = (await InvokeAsync(Method("CreateContainerView", Ref("_this", content.Element(Vim + "viewManager")!),
            Ref("container", content.Element(Vim + "rootFolder")!),
            new XElement(Vim + "type", "VirtualMachine"),
            new XElement(Vim + "recursive", "true")), cancellationToken)).Single();
        var result = (await InvokeAsync(Method("RetrievePropertiesEx", Ref("_this", content.Element(Vim + "propertyCollector")!),
            new XElement(Vim + "specSet",
                new XElement(Vim + "propSet",
                    new XElement(Vim + "type", "VirtualMachine"),
                    new XElement(Vim + "pathSet", "name"),
                    new XElement(Vim + "pathSet", "runtime.powerState")),
                new XElement(Vim + "objectSet",
                    Ref("obj", view),
                    new XElement(Vim + "skip", "true"),
                    new XElement(Vim + "selectSet", new XAttribute(Xsi + "type", "TraversalSpec"),
                        new XElement(Vim + "type", "ContainerView"),
                        new XElement(Vim + "path", "view"),
                        new XElement(Vim + "skip", "false")))),
            new XElement(Vim + "options")), cancellationToken)).Single();
        await InvokeAsync(Method("DestroyView", Ref("_this", view)), cancellationToken);

        return result.Elements(Vim + "objects").ToDictionary(
            o => Property(o, "name"),
            o => Property(o, "runtime.powerState"));

        static string Property(XElement objectContent, string name) => objectContent.Elements(Vim + "propSet")
            .Single(p => p.Element(Vim + "name")!.Value == name).Element(Vim + "val")!.Value;
    }

    public static XElement Method(string name, params object[] parameters) => new(Vim + name, parameters);

    public static XElement Ref(string name, string type, string value) => new(Vim + name, new XAttribute("type", type), value);

    /// <summary>A parameter naming the same managed object as <paramref name="reference"/>.</summary>
    public static XElement Ref(string name, XElement reference) => Ref(name, reference.Attribute("type")!.Value, reference.Value);

    public void Dispose() => _http.Dispose();
}
