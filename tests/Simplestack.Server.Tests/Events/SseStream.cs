using System.Text.Json;
using System.Threading.Channels;

namespace Simplestack.Server.Tests.Events;

/// <summary>One Server-Sent Event as received (a comment line is one with <see cref="Comment"/> set).</summary>
public sealed record SseEvent(string? Id, string Type, string Data, string? Comment = null)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement.Clone();

    public string? GuestId => Json.TryGetProperty("guest", out var g) ? g.GetProperty("id").GetString() : null;
}

/// <summary>A client of <c>GET .../events</c>: reads the stream in the background into a queue.</summary>
public sealed class SseStream : IAsyncDisposable
{
    private readonly Channel<SseEvent> _events = Channel.CreateUnbounded<SseEvent>();
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpResponseMessage _response;
    private readonly Task _reading;

    private SseStream(HttpResponseMessage response)
    {
        _response = response;
        _reading = Task.Run(ReadAsync);
    }

    public HttpResponseMessage Response => _response;

    public static async Task<SseStream> OpenAsync(HttpClient client, string url, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new SseStream(response);
    }

    private async Task ReadAsync()
    {
        try
        {
            using var reader = new StreamReader(await _response.Content.ReadAsStreamAsync(_stop.Token));
            string? id = null, type = null, data = null;
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (line.Length == 0)
                {
                    if (type is not null || data is not null)
                    {
                        await _events.Writer.WriteAsync(new SseEvent(id, type ?? "message", data ?? string.Empty));
                    }

                    id = type = data = null;
                }
                else if (line.StartsWith(':'))
                {
                    await _events.Writer.WriteAsync(new SseEvent(null, "comment", string.Empty, line[1..].Trim()));
                }
                else if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    id = line[4..];
                }
                else if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    type = line[7..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data = line[6..];
                }
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
        finally
        {
            _events.Writer.TryComplete();
        }
    }

    /// <summary>The next event (comments skipped) matching <paramref name="match"/>, or a failure after <paramref name="timeout"/>.</summary>
    public async Task<SseEvent> NextAsync(Func<SseEvent, bool> match, TimeSpan? timeout = null)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            await foreach (var e in _events.Reader.ReadAllAsync(limit.Token))
            {
                if (match(e))
                {
                    return e;
                }
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
        }

        throw new Xunit.Sdk.XunitException("The expected event did not come.");
    }

    public Task<SseEvent> NextAsync(string type, string? guestId = null, TimeSpan? timeout = null)
        => NextAsync(e => e.Type == type && (guestId is null || e.GuestId == guestId), timeout);

    /// <summary>Every event received by the end of the stream (or after <paramref name="timeout"/>).</summary>
    public async Task<List<SseEvent>> UntilEndAsync(TimeSpan timeout)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(timeout);
        List<SseEvent> all = [];
        try
        {
            await foreach (var e in _events.Reader.ReadAllAsync(limit.Token))
            {
                all.Add(e);
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
        }

        return all;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        try
        {
            await _reading.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
        }

        _stop.Dispose();
    }
}
