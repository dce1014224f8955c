using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Simplestack.Core;

/// <summary>
/// Declares a connection interface to be an optional capability, under the word that
/// <c>GET /drivers</c> and <c>docs/drivers.md</c> show. A driver's capabilities are the
/// interfaces its connection type implements: declared once, by the type system, never listed by hand.
/// </summary>
[AttributeUsage(AttributeTargets.Interface, Inherited = false)]
public sealed class CapabilityAttribute(int order, string name, string routes) : Attribute
{
    /// <summary>Where it stands in lists: the order of API.md's routes, so the matrix reads like the contract.</summary>
    public int Order { get; } = order;

    /// <summary>The word clients see (<c>snapshots</c>).</summary>
    public string Name { get; } = name;

    /// <summary>The routes of API.md that need it, for the support matrix.</summary>
    public string Routes { get; } = routes;
}

/// <summary>One capability: its word, the routes it serves and its interface.</summary>
public sealed record Capability(string Name, string Routes, Type Interface)
{
    /// <summary>Every capability the domain defines, in the order of the API's routes.</summary>
    public static IReadOnlyList<Capability> All { get; } = Declared(typeof(IHypervisorConnection).Assembly);

    /// <summary>
    /// The capabilities a connection of <paramref name="connectionType"/> has: those among
    /// <see cref="All"/> whose interface it implements, in the same order.
    /// </summary>
    public static IReadOnlyList<Capability> Of([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.Interfaces)] Type connectionType)
    {
        ArgumentNullException.ThrowIfNull(connectionType);
        return ByConnectionType.GetOrAdd(connectionType, type => [.. All.Where(c => c.Interface.IsAssignableFrom(type))]);
    }

    private static readonly ConcurrentDictionary<Type, IReadOnlyList<Capability>> ByConnectionType = new();

    private static Capability[] Declared(Assembly assembly)
        => [.. assembly.GetExportedTypes()
            .Where(t => t.IsInterface)
            .Select(t => (Type: t, Attribute: t.GetCustomAttribute<CapabilityAttribute>()))
            .Where(d => d.Attribute is not null)
            .OrderBy(d => d.Attribute!.Order)
            .Select(d => new Capability(d.Attribute!.Name, d.Attribute.Routes, d.Type))];
}
