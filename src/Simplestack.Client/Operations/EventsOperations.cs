using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Simplestack.Client.Operations;

/// <summary>
/// One event of <c>GET .../events</c> (API.md §9): <see cref="Type"/> is <c>guest.created</c>,
/// <c>guest.deleted</c>, <c>guest.state</c>, <c>guest.changed</c>, <c>resync</c> (list again) or
/// <c>dropped</c> (this subscriber fell behind: follow again from <see cref="Id"/>'s predecessor).
/// </summary>
public sealed record GatewayEvent(string? Id, string Type, JsonElement Data)
{
    public string? GuestId => Data.TryGetProperty("guest", out var g) && g.ValueKind == JsonValueKind.Object ? g.GetProperty("id").GetString() : null;

    public string? GuestName => Data.TryGetProperty("guest", out var g) && g.ValueKind == JsonValueKind.Object ? g.GetProperty("name").GetString() : null;

    /// <summary><c>STARTED</c>, <c>STOPPED</c> or <c>PAUSED</c> on a <c>guest.state</c> event.</summary>
    public string? State => Data.TryGetProperty("state", out var s) ? s.GetString() : null;
}

/// <summary><c>GET .../events</c>: follows the target's Server-Sent Events.</summary>
public sealed class EventsOperations
{
    private readonly RestChannel _channel;

    internal EventsOperations(RestChannel channel) => _channel = channel;

    /// <summary>
    /// The target's events as they come (heartbeats skipped), from after <paramref name="lastEventId"/>
    /// when given; ends when the gateway ends the stream or <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async IAsyncEnumerable<GatewayEvent> FollowAsync(string? lastEventId = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var request = _channel.NewRequest(HttpMethod.Get, _channel.PathFor("events"));
        request.Headers.Accept.Clear();
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (!string.IsNullOrEmpty(lastEventId))
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        using var response = await _channel.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        string? id = null, type = null, data = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data is not null)
                {
                    using var document = JsonDocument.Parse(data);
                    yield return new GatewayEvent(id, type ?? "message", document.RootElement.Clone());
                }

                id = type = data = null;
            }
            else if (line.StartsWith("id:", StringComparison.Ordinal))
            {
                id = line[3..].TrimStart();
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                type = line[6..].TrimStart();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data = data is null ? line[5..].TrimStart() : data + "\n" + line[5..].TrimStart();
            }
        }
    }
}
