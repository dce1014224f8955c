using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Simplestack.Client;

/// <summary>Creating and long requests (API.md §9): Idempotency-Key, the retry policy, and work followed as a stream.</summary>
internal sealed partial class RestChannel
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>
    /// Sends long work and returns its answer as <typeparamref name="T"/>. A creating request
    /// (<paramref name="creates"/>) carries an Idempotency-Key and is retried under
    /// <see cref="Retries"/>, always with that key; <paramref name="content"/> makes each attempt's
    /// body (null when it cannot be sent twice: then nothing is retried or resent, and the SDK
    /// makes no key of its own).
    /// </summary>
    public async Task<T> SendWorkAsync<T>(
        HttpMethod method, string path, Func<HttpContent?> content, LongWorkOptions? options, bool creates, bool canResend, CancellationToken cancellationToken)
    {
        var key = options?.IdempotencyKey;
        if (key is not null)
        {
            if (!creates)
            {
                throw new ArgumentException("Only a creating request (POST) takes an Idempotency-Key.", nameof(options));
            }

            if (!LongWorkOptions.IsValidKey(key))
            {
                throw new ArgumentException("An Idempotency-Key is 1 to 255 printable ASCII characters.", nameof(options));
            }
        }

        var generated = key is null && creates && canResend;
        key ??= generated ? LongWorkOptions.NewIdempotencyKey() : null;
        var optional = generated || (key is not null && options!.WithoutKeyWhenNotKept && canResend);
        var progress = options?.Progress is { } sink ? new ForwardOnly(sink) : null;
        try
        {
            return await WithRetriesAsync(
                () => SendWorkOnceAsync<T>(method, path, content(), key, progress, cancellationToken),
                retryable: key is not null && canResend,
                cancellationToken);
        }
        catch (FeatureNotImplementedException) when (optional)
        {
            // This driver keeps no keys (refused before any work): once more without one, and not retried.
            return await SendWorkOnceAsync<T>(method, path, content(), null, progress, cancellationToken);
        }
    }

    private async Task<T> WithRetriesAsync<T>(Func<Task<T>> attempt, bool retryable, CancellationToken cancellationToken)
    {
        var policy = Retries;
        for (var attempts = 1; ; attempts++)
        {
            TimeSpan wait;
            try
            {
                return await attempt();
            }
            catch (Exception e) when (retryable && policy.DelayAfter(e, attempts, cancellationToken) is { } delay)
            {
                wait = delay;
            }

            await Task.Delay(wait, cancellationToken);
        }
    }

    private async Task<T> SendWorkOnceAsync<T>(
        HttpMethod method, string path, HttpContent? content, string? key, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        using var request = NewRequest(method, path, content);
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation(IdempotencyKeyHeader, key);
        }

        if (progress is not null)
        {
            // Refusals before the work (400, 409, 422) and a retry of finished work come as plain JSON.
            request.Headers.Accept.Clear();
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        }

        using var response = await SendAsync(
            request, progress is null ? HttpCompletionOption.ResponseContentRead : HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (progress is not null && response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            return await ReadWorkStreamAsync<T>(response, progress, method.Method, path, cancellationToken);
        }

        return await ReadJsonAsync<T>(response, method, path, cancellationToken);
    }

    /// <summary>Reports the progress events; the result event is the plain answer: its value, or its error thrown.</summary>
    private static async Task<T> ReadWorkStreamAsync<T>(
        HttpResponseMessage response, IProgress<WorkProgress> progress, string method, string path, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        string? type = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length > 0)
            {
                if (line.StartsWith("event:", StringComparison.Ordinal))
                {
                    type = line[6..].Trim();
                }
                else if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data.Append(data.Length > 0 ? "\n" : string.Empty).Append(line[5..].TrimStart());
                }

                continue; // comments (heartbeats) and anything else
            }

            if (type == "progress" && data.Length > 0
                && JsonSerializer.Deserialize<WorkProgress>(data.ToString(), SimplestackJson.Options) is { } reported)
            {
                progress.Report(reported);
            }
            else if (type == "result" && data.Length > 0)
            {
                return Result<T>(data.ToString(), method, path);
            }

            type = null;
            data.Clear();
        }

        // The connection ended mid-work (the work goes on at the gateway): a transport failure, retried with the key.
        throw new HttpRequestException($"The gateway's stream of {method} {path} ended before the work's result.");
    }

    private static T Result<T>(string json, string method, string path)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var status = (HttpStatusCode)root.GetProperty("status").GetInt32();
        var body = root.TryGetProperty("body", out var b) && b.ValueKind != JsonValueKind.Null ? b : (JsonElement?)null;
        if ((int)status is >= 200 and < 300)
        {
            return (body is { } value ? value.Deserialize<T>(SimplestackJson.Options) : default)
                ?? throw new SimplestackApiException(status, "InvalidResponse", $"The gateway's result of {method} {path} has no body.", json, method, path);
        }

        throw SimplestackApiException.FromResponse(status, body?.GetRawText(), method, path);
    }

    /// <summary>Drops reports that would go back (a retried request's stream starts again).</summary>
    private sealed class ForwardOnly(IProgress<WorkProgress> sink) : IProgress<WorkProgress>
    {
        private double _highest = -1;

        public void Report(WorkProgress value)
        {
            if (value.Percent >= _highest)
            {
                _highest = value.Percent;
                sink.Report(value);
            }
        }
    }
}
