using System.Text.Json;
using Simplestack.Core;
using Simplestack.Core.Idempotency;

namespace Simplestack.Server.Work;

/// <summary>
/// The <c>Idempotency-Key</c> of a creating request (API.md §9) and what it means: the stamp of
/// key and request, and the answer the hypervisor's records give before any work starts.
/// </summary>
public static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";

    /// <summary>
    /// The stamp of this request, or null without the header. What is hashed is the method, the
    /// route (the target and every route value, so a key used on one guest's snapshots says
    /// nothing of another's) and the request as the server read it, serialised again: spacing and
    /// key order of the caller's JSON do not matter.
    /// </summary>
    public static IdempotencyStamp? StampOf(HttpContext context, object? request)
    {
        var values = context.Request.Headers[Header];
        if (values.Count == 0)
        {
            return null;
        }

        var key = values.Count == 1 ? values[0] : null;
        IdempotencyStamp.ValidateKey(key);
        var options = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var body = request switch
        {
            null => string.Empty,
            ArchiveBody archive => $"archive of {archive.Length?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"} bytes",
            _ => JsonSerializer.Serialize(request, options.GetTypeInfo(request.GetType())),
        };
        return IdempotencyStamp.Of(key!, context.Request.Method, context.Request.Path.Value ?? string.Empty, body);
    }

    /// <summary>
    /// What the records say before any work: the id of what this key made (same request), or a
    /// refusal: 422 when the key was used with another request, 409 with Retry-After while the
    /// first request is still at work. Null when the key is new.
    /// </summary>
    public static string? Check(IdempotencyRecord? record, IdempotencyStamp stamp, WorkOptions options)
    {
        if (record is null)
        {
            return null;
        }

        if (record.BodyHash != stamp.BodyHash)
        {
            throw new IdempotencyKeyReusedException("This Idempotency-Key was used with another request; use a new key for a new request.");
        }

        if (record.CreatedId is { } id)
        {
            return id;
        }

        throw InProgress(options);
    }

    /// <summary>The 409 of a key whose first request is still at work, with the configured Retry-After.</summary>
    public static OperationInProgressException InProgress(WorkOptions options)
        => new("A request with this Idempotency-Key is still at work; retry it later for its answer.", options.RetryAfter);
}

/// <summary>An archive body in a key's stamp: only its declared length is hashed (the archive is not read twice to compare).</summary>
public sealed record ArchiveBody(long? Length);
