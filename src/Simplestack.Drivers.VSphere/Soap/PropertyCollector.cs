using System.Globalization;
using System.Xml.Linq;
using Simplestack.Core;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere.Soap;

/// <summary>One object's properties as <c>RetrievePropertiesEx</c> answered them: each path's <c>val</c> element.</summary>
public sealed record ObjectContent(MoRef Obj, IReadOnlyDictionary<string, XElement> Properties)
{
    public XElement? Val(string path) => Properties.GetValueOrDefault(path);

    public string? Text(string path) => Properties.GetValueOrDefault(path)?.Value;

    public long Long(string path) => long.TryParse(Text(path), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0;

    public bool Bool(string path) => Text(path) == "true";

    public static ObjectContent Read(XElement objectContent)
        => new(
            MoRef.From(objectContent.Child("obj") ?? throw new HypervisorErrorException("The vSphere server sent object content without its object.")),
            objectContent.Elements(Ns + "propSet").ToDictionary(p => p.ChildValue("name") ?? "", p => p.Child("val")!, StringComparer.Ordinal));
}

/// <summary>
/// Bulk reads through the PropertyCollector: every object of some types in one
/// <c>RetrievePropertiesEx</c> over a ContainerView of the root folder (paged with
/// <c>ContinueRetrievePropertiesEx</c>), one object's properties, and tasks waited on by reading
/// <c>info.state</c>/<c>info.error</c> (never the typed <c>Task.info</c>: vcsim's snapshot tasks
/// carry an entity typed clients reject, DRIVERS.md §3).
/// </summary>
public sealed class PropertyCollector(VimSession session)
{
    private static readonly TimeSpan TaskPollInterval = TimeSpan.FromMilliseconds(100);

    private MoRef Collector => session.Content.PropertyCollector;

    /// <summary>Every object of the types in <paramref name="paths"/> under the root folder, with those properties.</summary>
    public async Task<IReadOnlyList<ObjectContent>> RetrieveAllAsync(IReadOnlyDictionary<string, string[]> paths, CancellationToken cancellationToken)
    {
        XElement[] viewSpec = [Ref("container", session.Content.RootFolder), .. paths.Keys.Select(type => E("type", type)), E("recursive", "true")];
        var view = MoRef.From((await session.CallAsync("CreateContainerView", session.Content.ViewManager, cancellationToken, viewSpec)).Child("returnval")!);
        try
        {
            var objectSpec = E("objectSet",
                Ref("obj", view),
                E("skip", "true"),
                Typed("selectSet", "TraversalSpec", E("type", "ContainerView"), E("path", "view"), E("skip", "false")));
            return await RetrieveAsync(paths, objectSpec, cancellationToken);
        }
        finally
        {
            await DestroyViewQuietlyAsync(view);
        }
    }

    /// <summary>The properties of one object; a deleted object answers 404 (ManagedObjectNotFound).</summary>
    public async Task<ObjectContent> RetrieveOneAsync(MoRef obj, string[] paths, CancellationToken cancellationToken)
    {
        var found = await RetrieveAsync(new Dictionary<string, string[]> { [obj.Type] = paths }, E("objectSet", Ref("obj", obj), E("skip", "false")), cancellationToken);
        return found.Count > 0 ? found[0] : new ObjectContent(obj, new Dictionary<string, XElement>());
    }

    /// <summary>
    /// Waits for a task to end: success returns its <c>info.result</c> (null when none); an error
    /// throws the domain exception of the task's fault, as if <paramref name="method"/> had faulted.
    /// Past <paramref name="limit"/> it answers 504; the task goes on in the server.
    /// </summary>
    public async Task<XElement?> WaitForTaskAsync(MoRef task, string method, TimeSpan limit, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (true)
        {
            var info = await RetrieveOneAsync(task, ["info.state", "info.error", "info.result"], cancellationToken);
            switch (info.Text("info.state"))
            {
                case "success":
                    return info.Val("info.result");
                case "error":
                    throw VimFaults.ToDomain(info.Val("info.error") is { } error
                        ? SoapEnvelope.ReadLocalizedFault(method, error)
                        : new VimFault(method, "Fault", null));
            }

            if (System.Diagnostics.Stopwatch.GetElapsedTime(started) > limit)
            {
                throw new HypervisorTimeoutException($"The vSphere task of {method} did not end within {limit.TotalSeconds:0} s; it goes on in the server.");
            }

            await Task.Delay(TaskPollInterval, cancellationToken);
        }
    }

    private async Task<List<ObjectContent>> RetrieveAsync(IReadOnlyDictionary<string, string[]> paths, XElement objectSpec, CancellationToken cancellationToken)
    {
        var specSet = E("specSet",
            paths.Select(p => E("propSet", E("type", p.Key), E("all", "false"), p.Value.Select(path => E("pathSet", path)))),
            objectSpec);
        var answer = await session.CallAsync("RetrievePropertiesEx", Collector, cancellationToken, specSet, E("options"));
        var objects = new List<ObjectContent>();
        var result = answer.Child("returnval");
        while (result is not null)
        {
            objects.AddRange(result.Elements(Ns + "objects").Select(ObjectContent.Read));
            var token = result.ChildValue("token");
            if (token is null)
            {
                break;
            }

            result = (await session.CallAsync("ContinueRetrievePropertiesEx", Collector, cancellationToken, E("token", token))).Child("returnval");
        }

        return objects;
    }

    private async Task DestroyViewQuietlyAsync(MoRef view)
    {
        try
        {
            await session.CallAsync("DestroyView", view, CancellationToken.None);
        }
        catch (SimplestackException)
        {
            // A view left behind ends with the session.
        }
    }
}
