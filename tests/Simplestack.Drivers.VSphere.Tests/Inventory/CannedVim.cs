using System.Net;
using System.Text;
using System.Xml.Linq;
using Simplestack.Core;

namespace Simplestack.Drivers.VSphere.Tests.Inventory;

/// <summary>
/// A vSphere server answering from canned SOAP: each method's answer (the inner XML of its
/// response element, or a fault) by name, the service content and Login always. Records every
/// request's method and body. An answer given as null waits until the caller gives up.
/// </summary>
internal sealed class CannedVim : HttpMessageHandler
{
    private static readonly XNamespace Soap = "http://schemas.xmlsoap.org/soap/envelope/";
    private static readonly XNamespace Vim = "urn:vim25";

    private readonly Dictionary<string, Func<XElement, string?>> _answers = new(StringComparer.Ordinal);
    private readonly List<(string Method, XElement Request)> _requests = [];

    public CannedVim()
    {
        Answer("RetrieveServiceContent", """
            <returnval><rootFolder type="Folder">group-d1</rootFolder><propertyCollector type="PropertyCollector">propertyCollector</propertyCollector>
            <viewManager type="ViewManager">ViewManager</viewManager><about><fullName>Canned vCenter</fullName><version>7.0.3</version>
            <apiType>VirtualCenter</apiType><apiVersion>7.0.3.0</apiVersion><instanceUuid>canned</instanceUuid></about>
            <sessionManager type="SessionManager">SessionManager</sessionManager><searchIndex type="SearchIndex">SearchIndex</searchIndex></returnval>
            """);
        Answer("Login", "<returnval><key>canned-session</key></returnval>");
        Answer("Logout", "");
    }

    /// <summary>The methods asked, in order.</summary>
    public IReadOnlyList<string> Methods
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests.Select(r => r.Method)];
            }
        }
    }

    public IReadOnlyList<XElement> Requests(string method)
    {
        lock (_requests)
        {
            return [.. _requests.Where(r => r.Method == method).Select(r => r.Request)];
        }
    }

    public void Answer(string method, string? inner) => _answers[method] = _ => inner;

    public void Answer(string method, Func<XElement, string?> inner) => _answers[method] = inner;

    /// <summary>A vim25 fault of <paramref name="type"/>, as vSphere sends it (HTTP 500).</summary>
    public static string Fault(string type) => $"FAULT:{type}";

    /// <summary>A string property of an object: <c>&lt;name&gt;&lt;val xsi:type="xsd:string"&gt;</c>.</summary>
    public static string Text(string element, string name, string value)
        => $"""<{element}><name>{name}</name>{(element == "changeSet" ? "<op>assign</op>" : "")}<val xsi:type="xsd:string">{value}</val></{element}>""";

    /// <summary>The properties of one VM the guest list reads, as <paramref name="element"/> (propSet or changeSet).</summary>
    public static string Vm(string element, string name, string uuid, string host)
        => Text(element, "name", name) + Text(element, "config.uuid", uuid) + Text(element, "runtime.powerState", "poweredOn")
           + $"""<{element}><name>runtime.host</name>{(element == "changeSet" ? "<op>assign</op>" : "")}<val xsi:type="ManagedObjectReference" type="HostSystem">{host}</val></{element}>""";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = XDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken)).Root!.Element(Soap + "Body")!.Elements().Single();
        var method = body.Name.LocalName;
        lock (_requests)
        {
            _requests.Add((method, body));
        }

        var inner = _answers.TryGetValue(method, out var answer)
            ? answer(body)
            : Fault("MethodNotFound");
        if (inner is null)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        var (status, content) = inner!.StartsWith("FAULT:", StringComparison.Ordinal)
            ? (HttpStatusCode.InternalServerError, $"""<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>canned</faultstring><detail><{inner[6..]}Fault xmlns="urn:vim25" xsi:type="{inner[6..]}"></{inner[6..]}Fault></detail></soapenv:Fault>""")
            : (HttpStatusCode.OK, $"""<{method}Response xmlns="urn:vim25">{inner}</{method}Response>""");
        var envelope = $"""<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{Soap.NamespaceName}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>{content}</soapenv:Body></soapenv:Envelope>""";
        var response = new HttpResponseMessage(status) { Content = new StringContent(envelope, Encoding.UTF8, "text/xml") };
        if (method == "Login")
        {
            response.Headers.Add("Set-Cookie", "vmware_soap_session=\"canned\"; Path=/; HttpOnly");
        }

        return response;
    }

    /// <summary>A connection of the vmware driver to this server.</summary>
    public async Task<VSphereConnection> ConnectAsync(CancellationToken cancellationToken, Microsoft.Extensions.Logging.ILoggerFactory? loggers = null)
        => (VSphereConnection)await new VSphereDriver(new VSphereDriverOptions(), loggers, (_, _) => this)
            .ConnectAsync(new HypervisorTarget("vmware", "canned.example", 443), new HypervisorCredentials("root", "s3cret"), cancellationToken);

    /// <summary>The value of a request's child element, by local name, anywhere in it.</summary>
    public static string? Value(XElement request, string name) => request.Descendants(Vim + name).FirstOrDefault()?.Value;
}
