using System.Text.Json;
using System.Xml.Linq;
using Simplestack.Drivers.VSphere.Tests.Vcsim;
using static Simplestack.Drivers.VSphere.Tests.Vcsim.VimSoap;

namespace Simplestack.Drivers.VSphere.Tests.Inventory;

/// <summary>
/// Changes made to vcsim behind the gateway's back: the tests' own SOAP client (<see cref="VimSoap"/>,
/// in a session of its own) runs VM tasks and ends sessions; pyVmomi (Vcsim/pyvmomi_client.py) makes
/// and destroys VMs as another vSphere client would.
/// </summary>
internal sealed class OutsideClient : IDisposable
{
    private readonly VcsimProcess _vcsim;
    private readonly VimSoap _soap;
    private XElement _content = null!;

    private OutsideClient(VcsimProcess vcsim)
    {
        _vcsim = vcsim;
        _soap = new VimSoap(vcsim);
    }

    public static async Task<OutsideClient> LoginAsync(VcsimProcess vcsim, CancellationToken cancellationToken)
    {
        var client = new OutsideClient(vcsim);
        client._content = await client._soap.ServiceContentAsync(cancellationToken);
        var (status, _) = await client._soap.LoginAsync(client._content, vcsim.User, vcsim.Password, cancellationToken);
        return status == System.Net.HttpStatusCode.OK ? client : throw new InvalidOperationException($"The outside client could not log in: HTTP {(int)status}.");
    }

    /// <summary>Runs <paramref name="method"/> (a <c>*_Task</c>) on the VM named <paramref name="vm"/> and waits for the task to succeed.</summary>
    public async Task RunTaskAsync(string vm, string method, CancellationToken cancellationToken, params XElement[] parameters)
    {
        var id = (await VmIdsAsync(cancellationToken))[vm];
        var task = (await _soap.InvokeAsync(Method(method, [Ref("_this", "VirtualMachine", id), .. parameters]), cancellationToken)).Single();
        for (var i = 0; i < 200; i++)
        {
            var state = (await RetrieveAsync(task, "info.state", cancellationToken)).Descendants(Vim + "val").Single().Value;
            if (state == "success")
            {
                return;
            }

            if (state == "error")
            {
                throw new InvalidOperationException($"{method} on {vm} failed in vcsim.");
            }

            await Task.Delay(50, cancellationToken);
        }

        throw new TimeoutException($"{method} on {vm} did not end.");
    }

    /// <summary>Ends a session of another client (SessionManager.TerminateSession), as an administrator or an expiry would.</summary>
    public Task TerminateSessionAsync(string key, CancellationToken cancellationToken)
        => _soap.InvokeAsync(Method("TerminateSession", Ref("_this", _content.Element(Vim + "sessionManager")!), new XElement(Vim + "sessionId", key)), cancellationToken);

    /// <summary>The keys of every session vcsim holds, this client's own included.</summary>
    public async Task<IReadOnlyList<string>> SessionKeysAsync(CancellationToken cancellationToken)
        => [.. (await RetrieveAsync(_content.Element(Vim + "sessionManager")!, "sessionList", cancellationToken)).Descendants(Vim + "key").Select(k => k.Value)];

    /// <summary>Every VM's managed object id, by name.</summary>
    public async Task<IReadOnlyDictionary<string, string>> VmIdsAsync(CancellationToken cancellationToken)
    {
        var view = (await _soap.InvokeAsync(Method("CreateContainerView", Ref("_this", _content.Element(Vim + "viewManager")!),
            Ref("container", _content.Element(Vim + "rootFolder")!), new XElement(Vim + "type", "VirtualMachine"), new XElement(Vim + "recursive", "true")), cancellationToken)).Single();
        var answer = await _soap.InvokeAsync(Method("RetrievePropertiesEx", Ref("_this", _content.Element(Vim + "propertyCollector")!),
            new XElement(Vim + "specSet",
                new XElement(Vim + "propSet", new XElement(Vim + "type", "VirtualMachine"), new XElement(Vim + "pathSet", "name")),
                new XElement(Vim + "objectSet", Ref("obj", view), new XElement(Vim + "skip", "true"),
                    new XElement(Vim + "selectSet", new XAttribute(XNamespace.Get("http://www.w3.org/2001/XMLSchema-instance") + "type", "TraversalSpec"),
                        new XElement(Vim + "type", "ContainerView"), new XElement(Vim + "path", "view"), new XElement(Vim + "skip", "false")))),
            new XElement(Vim + "options")), cancellationToken);
        await _soap.InvokeAsync(Method("DestroyView", Ref("_this", view)), cancellationToken);
        return answer.SelectMany(r => r.Elements(Vim + "objects"))
            .ToDictionary(o => o.Descendants(Vim + "val").Single().Value, o => o.Element(Vim + "obj")!.Value);
    }

    /// <summary>Runs Vcsim/pyvmomi_client.py with <paramref name="arguments"/> after the connection's; returns the JSON line it printed.</summary>
    public Task<JsonElement> PyVmomiAsync(CancellationToken cancellationToken, params string[] arguments)
        => PyVmomi.RunAsync("pyvmomi_client.py", _vcsim, cancellationToken, arguments);

    public void Dispose() => _soap.Dispose();

    private async Task<XElement> RetrieveAsync(XElement obj, string path, CancellationToken cancellationToken)
        => (await _soap.InvokeAsync(Method("RetrievePropertiesEx", Ref("_this", _content.Element(Vim + "propertyCollector")!),
            new XElement(Vim + "specSet",
                new XElement(Vim + "propSet", new XElement(Vim + "type", obj.Attribute("type")!.Value), new XElement(Vim + "pathSet", path)),
                new XElement(Vim + "objectSet", Ref("obj", obj))),
            new XElement(Vim + "options")), cancellationToken)).Single();
}
