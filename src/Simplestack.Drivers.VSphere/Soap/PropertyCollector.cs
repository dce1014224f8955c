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

/// <summary>One <c>PropertyChange</c> of an <c>ObjectUpdate</c>: <c>op</c> is assign, add, remove or indirectRemove; <c>val</c> absent when none.</summary>
public sealed record PropertyChange(string Name, string Op, XElement? Val);

/// <summary>One <c>ObjectUpdate</c>: <c>kind</c> is enter, modify or leave; a modify carries only the changed paths.</summary>
public sealed record ObjectUpdate(string Kind, MoRef Obj, IReadOnlyList<PropertyChange> Changes);

/// <summary>What <c>WaitForUpdatesEx</c> answered: the version to ask from next, whether more is waiting (truncated), the updates of every filter.</summary>
public sealed record UpdateSet(string Version, bool Truncated, IReadOnlyList<ObjectUpdate> Objects)
{
    /// <summary>An <c>UpdateSet</c> element; <paramref name="version"/> when the server answered none (nothing changed within the wait).</summary>
    public static UpdateSet Read(XElement? set, string version)
    {
        if (set is null)
        {
            return new UpdateSet(version, false, []);
        }

        var objects = set.Elements(Ns + "filterSet").SelectMany(f => f.Elements(Ns + "objectSet")).Select(o => new ObjectUpdate(
            o.ChildValue("kind") ?? "",
            MoRef.From(o.Child("obj") ?? throw new HypervisorErrorException("The vSphere server sent an object update without its object.")),
            [.. o.Elements(Ns + "changeSet").Select(c => new PropertyChange(c.ChildValue("name") ?? "", c.ChildValue("op") ?? "assign", c.Child("val")))]));
        return new UpdateSet(set.ChildValue("version") ?? version, set.ChildValue("truncated") == "true", [.. objects]);
    }
}

/// <summary>
/// Bulk reads through the PropertyCollector: every object of some types in one
/// <c>RetrievePropertiesEx</c> over a ContainerView of the root folder (paged with
/// <c>ContinueRetrievePropertiesEx</c>), one object's properties, and tasks waited on by reading
/// <c>info.state</c>/<c>info.error</c> (never the typed <c>Task.info</c>: vcsim's snapshot tasks
/// carry an entity typed clients reject, DRIVERS.md §3); and what the guest inventory keeps its
/// records with: a child collector, a filter over a ContainerView, <c>WaitForUpdatesEx</c>.
/// </summary>
public sealed class PropertyCollector(VimSession session)
{
    private static readonly TimeSpan TaskPollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Objects asked per page of <c>RetrievePropertiesEx</c>; the rest come by <c>ContinueRetrievePropertiesEx</c>.</summary>
    public const int PageSize = 1000;

    private MoRef Collector => session.Content.PropertyCollector;

    /// <summary>Every object of the types in <paramref name="paths"/> under the root folder, with those properties.</summary>
    public async Task<IReadOnlyList<ObjectContent>> RetrieveAllAsync(IReadOnlyDictionary<string, string[]> paths, CancellationToken cancellationToken)
    {
        var view = await CreateViewAsync(paths.Keys, cancellationToken);
        try
        {
            return await RetrieveAsync(paths, ViewObjects(view), cancellationToken);
        }
        finally
        {
            await DestroyViewQuietlyAsync(view);
        }
    }

    /// <summary>A ContainerView of every object of <paramref name="types"/> under the root folder; it lives until destroyed or the session ends.</summary>
    public async Task<MoRef> CreateViewAsync(IEnumerable<string> types, CancellationToken cancellationToken)
    {
        XElement[] viewSpec = [Ref("container", session.Content.RootFolder), .. types.Select(type => E("type", type)), E("recursive", "true")];
        return MoRef.From((await session.CallAsync("CreateContainerView", session.Content.ViewManager, cancellationToken, viewSpec)).Child("returnval")!);
    }

    /// <summary>The properties of several objects in one call; an object gone meanwhile is left out.</summary>
    public async Task<IReadOnlyList<ObjectContent>> RetrieveObjectsAsync(IReadOnlyCollection<MoRef> objects, IReadOnlyDictionary<string, string[]> paths, CancellationToken cancellationToken)
    {
        if (objects.Count == 0)
        {
            return [];
        }

        var specSet = E("specSet",
            paths.Where(p => objects.Any(o => o.Type == p.Key)).Select(p => E("propSet", E("type", p.Key), E("all", "false"), p.Value.Select(path => E("pathSet", path)))),
            objects.Select(o => E("objectSet", Ref("obj", o), E("skip", "false"))),
            E("reportMissingObjectsInResults", "true"));
        return await RetrieveAsync(specSet, cancellationToken);
    }

    /// <summary>A property collector of this session's own (<c>CreatePropertyCollector</c>): its filters and waits disturb no other user of the session's.</summary>
    public async Task<MoRef> CreateCollectorAsync(CancellationToken cancellationToken)
        => MoRef.From((await session.CallAsync("CreatePropertyCollector", Collector, cancellationToken)).Child("returnval")
                      ?? throw new HypervisorErrorException("The vSphere server answered CreatePropertyCollector without a collector."));

    /// <summary>A filter on <paramref name="collector"/> over the objects of <paramref name="view"/>, reporting whole values (no partial updates).</summary>
    public async Task<MoRef> CreateFilterAsync(MoRef collector, MoRef view, IReadOnlyDictionary<string, string[]> paths, CancellationToken cancellationToken)
        => MoRef.From((await session.CallAsync("CreateFilter", collector, cancellationToken,
                           E("spec", PropSets(paths), ViewObjects(view)), E("partialUpdates", "false"))).Child("returnval")
                      ?? throw new HypervisorErrorException("The vSphere server answered CreateFilter without a filter."));

    /// <summary>
    /// <c>WaitForUpdatesEx</c> on <paramref name="collector"/> from <paramref name="version"/> ("" for
    /// everything): waiting up to <paramref name="maxWaitSeconds"/> (0: answers at once), outside the
    /// call policy when <paramref name="outsidePolicy"/> bounds it. No change within the wait answers an
    /// empty set at the same version.
    /// </summary>
    public async Task<UpdateSet> WaitForUpdatesAsync(MoRef collector, string version, int maxWaitSeconds, TimeSpan? outsidePolicy, CancellationToken cancellationToken)
    {
        XElement[] parameters = [E("version", version), E("options", E("maxWaitSeconds", maxWaitSeconds.ToString(CultureInfo.InvariantCulture)))];
        var answer = outsidePolicy is { } limit
            ? await session.CallOutsidePolicyAsync("WaitForUpdatesEx", collector, limit, cancellationToken, parameters)
            : await session.CallAsync("WaitForUpdatesEx", collector, cancellationToken, parameters);
        return UpdateSet.Read(answer.Child("returnval"), version);
    }

    /// <summary>Ends a <c>WaitForUpdatesEx</c> in progress on <paramref name="collector"/> (it answers RequestCanceled).</summary>
    public Task CancelWaitAsync(MoRef collector, CancellationToken cancellationToken)
        => session.CallAsync("CancelWaitForUpdates", collector, cancellationToken);

    /// <summary>Destroys a child collector (its filters and wait go with it) and its view (either not made yet: default), outside the call policy, without failing.</summary>
    public async Task DestroyCollectorQuietlyAsync(MoRef collector, MoRef view, TimeSpan limit)
    {
        foreach (var (method, target) in new[] { ("DestroyPropertyCollector", collector), ("DestroyView", view) }.Where(t => !string.IsNullOrEmpty(t.Item2.Type)))
        {
            try
            {
                await session.CallOutsidePolicyAsync(method, target, limit, CancellationToken.None);
            }
            catch (Exception error) when (error is SimplestackException or ObjectDisposedException)
            {
                // Gone already, or the server is: either way it ends with the session.
            }
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
    /// Past <paramref name="limit"/> it answers 504; the task goes on in the server. While it runs,
    /// <paramref name="progress"/> (when given) hears the task's <c>info.progress</c> (0-100) each
    /// time the server gives one.
    /// </summary>
    public async Task<XElement?> WaitForTaskAsync(MoRef task, string method, TimeSpan limit, CancellationToken cancellationToken, Action<int>? progress = null)
    {
        string[] paths = progress is null ? ["info.state", "info.error", "info.result"] : ["info.state", "info.error", "info.result", "info.progress"];
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (true)
        {
            var info = await RetrieveOneAsync(task, paths, cancellationToken);
            if (progress is not null && info.Text("info.progress") is { Length: > 0 } && info.Text("info.state") == "running")
            {
                progress((int)Math.Clamp(info.Long("info.progress"), 0, 100));
            }

            switch (info.Text("info.state"))
            {
                case "success":
                    session.NoteWrite(); // What the task changed is done: lists from now on must show it.
                    return info.Val("info.result");
                case "error":
                    session.NoteWrite(); // A failed task may have changed something before it failed.
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

    private static IEnumerable<XElement> PropSets(IReadOnlyDictionary<string, string[]> paths)
        => paths.Select(p => E("propSet", E("type", p.Key), E("all", "false"), p.Value.Select(path => E("pathSet", path))));

    /// <summary>The objects a ContainerView shows (not the view itself).</summary>
    private static XElement ViewObjects(MoRef view)
        => E("objectSet",
            Ref("obj", view),
            E("skip", "true"),
            Typed("selectSet", "TraversalSpec", E("type", "ContainerView"), E("path", "view"), E("skip", "false")));

    private Task<List<ObjectContent>> RetrieveAsync(IReadOnlyDictionary<string, string[]> paths, XElement objectSpec, CancellationToken cancellationToken)
        => RetrieveAsync(E("specSet", PropSets(paths), objectSpec), cancellationToken);

    /// <summary>Every page: <c>RetrievePropertiesEx</c>, then <c>ContinueRetrievePropertiesEx</c> while the answer carries a token.</summary>
    private async Task<List<ObjectContent>> RetrieveAsync(XElement specSet, CancellationToken cancellationToken)
    {
        var options = E("options", E("maxObjects", PageSize.ToString(CultureInfo.InvariantCulture)));
        var answer = await session.CallAsync("RetrievePropertiesEx", Collector, cancellationToken, specSet, options);
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
