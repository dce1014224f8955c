using System.Text.Json;
using System.Text.Json.Serialization;

namespace Simplestack.Core.Idempotency;

/// <summary>One line of a guest's ledger: a key used on it, what it made (or until when it is at work), and when.</summary>
public sealed record IdempotencyEntry(CreatedKind Kind, IdempotencyStamp Stamp, string? CreatedId, DateTimeOffset At, DateTimeOffset? WorkingUntil)
{
    public bool IsLive(DateTimeOffset now) => CreatedId is not null || WorkingUntil > now;
}

/// <summary>
/// The records a guest keeps of what keyed requests made on it (snapshots, disks, NICs), written
/// as one short JSON text that fits anywhere a hypervisor keeps a string for us: a libvirt metadata
/// element, a XenAPI <c>other_config</c> value, a vSphere <c>extraConfig</c> value. Entries older
/// than <see cref="Retention"/> and all but the newest <see cref="MaxEntries"/> are dropped when
/// written: a key is for retrying, not for ever (Stripe keeps them 24 hours).
/// </summary>
public static class IdempotencyLedger
{
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    public const int MaxEntries = 32;

    /// <summary>The entries of a ledger text; none for null, empty or text that is not ours.</summary>
    public static IReadOnlyList<IdempotencyEntry> Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        try
        {
            var lines = JsonSerializer.Deserialize(text, LedgerJson.Default.LedgerLineArray) ?? [];
            return [.. lines.Select(ToEntry).OfType<IdempotencyEntry>()];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>The ledger text of <paramref name="entries"/>, pruned as of <paramref name="now"/>.</summary>
    public static string Write(IEnumerable<IdempotencyEntry> entries, DateTimeOffset now)
    {
        var kept = entries
            .Where(e => e.IsLive(now) && now - e.At < Retention)
            .OrderByDescending(e => e.At)
            .Take(MaxEntries)
            .Select(e => new LedgerLine(
                Wire(e.Kind), e.Stamp.ToString(), e.CreatedId, e.At.ToUnixTimeSeconds(), e.WorkingUntil?.ToUnixTimeSeconds()))
            .ToArray();
        return JsonSerializer.Serialize(kept, LedgerJson.Default.LedgerLineArray);
    }

    /// <summary><paramref name="entries"/> with <paramref name="entry"/> in place of any entry of the same kind and key.</summary>
    public static IReadOnlyList<IdempotencyEntry> With(IEnumerable<IdempotencyEntry> entries, IdempotencyEntry entry)
        => [.. entries.Where(e => !Same(e, entry.Kind, entry.Stamp.KeyHash)), entry];

    /// <summary>What the ledger says of this kind and key as of <paramref name="now"/>: expired work counts as nothing.</summary>
    public static IdempotencyRecord? Find(IEnumerable<IdempotencyEntry> entries, CreatedKind kind, string keyHash, DateTimeOffset now)
        => entries.LastOrDefault(e => Same(e, kind, keyHash) && e.IsLive(now)) is { } found
            ? new IdempotencyRecord(found.Stamp.BodyHash, found.CreatedId, found.CreatedId is null ? found.WorkingUntil : null)
            : null;

    private static bool Same(IdempotencyEntry entry, CreatedKind kind, string keyHash)
        => entry.Kind == kind && entry.Stamp.KeyHash == keyHash;

    private static IdempotencyEntry? ToEntry(LedgerLine line)
        => IdempotencyStamp.Parse(line.Stamp) is { } stamp && Kind(line.Kind) is { } kind
            ? new IdempotencyEntry(
                kind,
                stamp,
                line.Id,
                DateTimeOffset.FromUnixTimeSeconds(line.At),
                line.Until is { } until ? DateTimeOffset.FromUnixTimeSeconds(until) : null)
            : null;

    private static string Wire(CreatedKind kind) => kind switch
    {
        CreatedKind.Guest => "guest",
        CreatedKind.Snapshot => "snapshot",
        CreatedKind.Disk => "disk",
        CreatedKind.NetworkInterface => "nic",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static CreatedKind? Kind(string? wire) => wire switch
    {
        "guest" => CreatedKind.Guest,
        "snapshot" => CreatedKind.Snapshot,
        "disk" => CreatedKind.Disk,
        "nic" => CreatedKind.NetworkInterface,
        _ => null,
    };
}

internal sealed record LedgerLine(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("stamp")] string Stamp,
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("at")] long At,
    [property: JsonPropertyName("until")] long? Until);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LedgerLine[]))]
internal sealed partial class LedgerJson : JsonSerializerContext;
