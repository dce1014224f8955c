using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Simplestack.Core;
using Simplestack.Server.OpenApi;

namespace Simplestack.Server.Requests;

/// <summary>
/// <c>PUT .../guests/{id}</c> in the original's shapes: <c>memory</c> is MiB or an object of limits
/// (<c>{memory_target, memory_static_min, memory_static_max}</c>, MiB), <c>cpus</c> a count or
/// <c>{vcpus_at_startup, vcpus_max}</c>, <c>paravirtualized</c> true, false or kernel arguments. A
/// field of two shapes has no one .NET type, so this body binds itself (through the same reader
/// and size limit as <see cref="JsonBody{T}"/>) into Core's <see cref="GuestUpdateRequest"/>, and
/// documents itself as this record (<see cref="UnionShapesTransformer"/> gives the two-shape fields their <c>oneOf</c>).
/// </summary>
public sealed record GuestUpdateBody(
    string? Name = null,
    JsonElement? Cpus = null,
    JsonElement? Memory = null,
    double? Hdd = null,
    long? MemoryTargetLive = null,
    int? VcpusNumberLive = null,
    Dictionary<string, JsonElement>? VcpuSettings = null,
    bool? HaEnabled = null,
    bool? Template = null,
    JsonElement? Paravirtualized = null) : IEndpointParameterMetadataProvider
{
    /// <summary>The change, read and checked (never null once bound).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public GuestUpdateRequest Request { get; private init; } = new();

    public static async ValueTask<GuestUpdateBody?> BindAsync(HttpContext context)
    {
        using var document = await RequestBody.ReadJsonDocumentAsync(context);
        return new GuestUpdateBody { Request = Read(document.RootElement) };
    }

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder)
        => OpenApiMetadataExtensions.AddJsonBody(builder, typeof(GuestUpdateBody), required: true);

    /// <summary>Reads a body into a checked <see cref="GuestUpdateRequest"/> (400 naming the first wrong field).</summary>
    public static GuestUpdateRequest Read(JsonElement body)
    {
        JsonFields.Object(body);
        var (cpus, vcpusMax) = ReadCpus(JsonFields.Find(body, "cpus"));
        var (memory, limits) = ReadMemory(JsonFields.Find(body, "memory"));
        var request = new GuestUpdateRequest(JsonFields.String(body, "name"), cpus, memory, JsonFields.Number(body, "hdd"))
        {
            VcpusMax = vcpusMax,
            MemoryLimits = limits,
            MemoryTargetLive = JsonFields.Integer(body, "memory_target_live"),
            VcpusNumberLive = JsonFields.Int(body, "vcpus_number_live"),
            VcpuSettings = ReadVcpuSettings(JsonFields.Find(body, "vcpu_settings")),
            HaEnabled = JsonFields.Bool(body, "ha_enabled"),
            Template = JsonFields.Bool(body, "template"),
            Paravirtualized = ReadParavirtualized(JsonFields.Find(body, "paravirtualized")),
        };
        request.Validate();
        return request;
    }

    private static (int? Cpus, int? Max) ReadCpus(JsonElement? value)
    {
        switch (value)
        {
            case null:
                return (null, null);
            case { ValueKind: JsonValueKind.Object } limits:
                JsonFields.OnlyKeys(limits, "cpus", "vcpus_at_startup", "vcpus_max");
                var startup = JsonFields.Int(limits, "vcpus_at_startup", "cpus.vcpus_at_startup");
                var max = JsonFields.Int(limits, "vcpus_max", "cpus.vcpus_max");
                return startup is null && max is null
                    ? throw new InvalidArgumentException("cpus must give vcpus_at_startup, vcpus_max or both.")
                    : (startup, max);
            case { ValueKind: JsonValueKind.Number } count:
                return (JsonFields.Narrow(JsonFields.WholeNumber(count, "cpus"), "cpus"), null);
            default:
                throw new InvalidArgumentException("cpus must be a number of vCPUs or {\"vcpus_at_startup\", \"vcpus_max\"}.");
        }
    }

    private static (long? Memory, MemoryLimits? Limits) ReadMemory(JsonElement? value)
    {
        switch (value)
        {
            case null:
                return (null, null);
            case { ValueKind: JsonValueKind.Number } size:
                return (JsonFields.WholeNumber(size, "memory"), null);
            case { ValueKind: JsonValueKind.Object } limits:
                JsonFields.OnlyKeys(limits, "memory", "memory_static_min", "memory_static_max", "memory_target");
                return (null, new MemoryLimits(
                    JsonFields.Integer(limits, "memory_static_min", "memory.memory_static_min"),
                    JsonFields.Integer(limits, "memory_static_max", "memory.memory_static_max"),
                    JsonFields.Integer(limits, "memory_target", "memory.memory_target")));
            default:
                throw new InvalidArgumentException("memory must be MiB or {\"memory_target\", \"memory_static_min\", \"memory_static_max\"} in MiB.");
        }
    }

    /// <summary>
    /// <c>{"weight", "cap"}</c>, each a whole number or its digits as a string (the original passed
    /// the object through to Xen's string map); any other key is refused, not dropped.
    /// </summary>
    private static VcpuSettings? ReadVcpuSettings(JsonElement? value)
    {
        if (value is not { } settings)
        {
            return null;
        }

        JsonFields.Object(settings, "vcpu_settings");
        JsonFields.OnlyKeys(settings, "vcpu_settings", "weight", "cap");

        return new VcpuSettings(Setting(settings, "weight"), Setting(settings, "cap"));
    }

    private static int? Setting(JsonElement settings, string key)
    {
        var field = $"vcpu_settings.{key}";
        return JsonFields.Find(settings, key) switch
        {
            null => null,
            { ValueKind: JsonValueKind.String } text when int.TryParse(JsonFields.Text(text, field), NumberStyles.None, CultureInfo.InvariantCulture, out var number) => number,
            { ValueKind: JsonValueKind.Number } number => JsonFields.Narrow(JsonFields.WholeNumber(number, field), field),
            _ => throw new InvalidArgumentException($"{field} must be a whole number."),
        };
    }

    private static Paravirtualization? ReadParavirtualized(JsonElement? value) => value switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => new Paravirtualization(true),
        { ValueKind: JsonValueKind.False } => new Paravirtualization(false),
        { ValueKind: JsonValueKind.String } args => new Paravirtualization(true, JsonFields.Text(args, "paravirtualized")),
        _ => throw new InvalidArgumentException("paravirtualized must be true, false, or the kernel arguments of a paravirtualized boot."),
    };
}
