using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Simplestack.Core;

namespace Simplestack.Server.Json;

/// <summary>
/// JSON bodies of guest lists, serialised once per list instance and kept only as long as the
/// instance lives (a weak table: when the inventory replaces its list, the old bytes go with it).
/// </summary>
public sealed class ListBodies(IOptions<JsonOptions> json)
{
    private readonly ConditionalWeakTable<IReadOnlyList<Guest>, byte[]> _bodies = [];
    private readonly JsonSerializerOptions _options = json.Value.SerializerOptions;

    public byte[] For(IReadOnlyList<Guest> guests)
        => _bodies.GetValue(guests, list => JsonSerializer.SerializeToUtf8Bytes(list, _options));

    /// <summary>A list made for one request (a filtered one): serialised the same way, not kept.</summary>
    public byte[] Serialize(IReadOnlyList<Guest> guests) => JsonSerializer.SerializeToUtf8Bytes(guests, _options);
}
