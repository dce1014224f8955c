using System.Globalization;
using System.Text.Json.Nodes;
using Simplestack.Client.Models;
using Simplestack.Client.Transfer;

namespace Simplestack.Client.Operations;

/// <summary><c>.../guests</c>: list, get, create, update, delete, clone, export and import.</summary>
public sealed class GuestsOperations
{
    private readonly RestChannel _channel;

    internal GuestsOperations(RestChannel channel) => _channel = channel;

    /// <summary>Every guest, as full guest objects.</summary>
    public Task<IReadOnlyList<Guest>> ListAsync(CancellationToken cancellationToken = default)
        => _channel.GetAsync<IReadOnlyList<Guest>>(_channel.PathFor("guests"), cancellationToken);

    /// <summary>
    /// The guests that pass <paramref name="filter"/> (state, name glob, tag: all that are set),
    /// filtered by the gateway from the list it keeps. A tag filter on a driver whose list does not
    /// carry tags is 501.
    /// </summary>
    public Task<IReadOnlyList<Guest>> ListAsync(GuestFilter filter, CancellationToken cancellationToken = default)
        => _channel.GetAsync<IReadOnlyList<Guest>>(_channel.PathFor("guests") + FilterQuery(filter), cancellationToken);

    /// <summary>One guest, by id (UUID) or name.</summary>
    public Task<Guest> GetAsync(string guestId, CancellationToken cancellationToken = default)
        => _channel.GetAsync<Guest>(_channel.PathFor("guests", guestId), cancellationToken);

    /// <summary>
    /// The guest once it reports an address (<see cref="Guest.Ip"/> set): the gateway waits
    /// (<c>?wait_for=ip</c>) up to <paramref name="timeout"/>, or its configured default, and
    /// answers 504 past it (a <see cref="SimplestackApiException"/>). The HTTP client's own timeout
    /// must be longer than the wait.
    /// </summary>
    public Task<Guest> WaitForIpAsync(string guestId, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => _channel.GetAsync<Guest>(
            _channel.PathFor("guests", guestId) + "?wait_for=ip"
                + (timeout is { } t ? "&timeout=" + t.TotalSeconds.ToString(CultureInfo.InvariantCulture) : string.Empty),
            cancellationToken);

    /// <summary>Creates a guest, with an Idempotency-Key of its own reused by the SDK's retries (see <see cref="LongWorkOptions"/>).</summary>
    public Task<Guest> CreateAsync(GuestCreateRequest request, CancellationToken cancellationToken = default)
        => CreateAsync(request, null, cancellationToken);

    /// <summary>Creates a guest with the caller's key and/or the gateway's progress (an image copy, an install).</summary>
    public Task<Guest> CreateAsync(GuestCreateRequest request, LongWorkOptions? options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _channel.SendWorkAsync<Guest>(
            HttpMethod.Post, _channel.PathFor("guests"), () => RestChannel.JsonContent(request), options, creates: true, canResend: true, cancellationToken);
    }

    /// <summary>Changes what the request carries; the answer's <see cref="Guest.Applied"/> says what applied live.</summary>
    public Task<Guest> UpdateAsync(string guestId, GuestUpdateRequest request, CancellationToken cancellationToken = default)
        => _channel.SendJsonAsync<Guest>(HttpMethod.Put, _channel.PathFor("guests", guestId), UpdateBody(request), cancellationToken);

    /// <summary>As <see cref="UpdateAsync(string, GuestUpdateRequest, CancellationToken)"/>, reporting the gateway's progress (a disk that grows).</summary>
    public Task<Guest> UpdateAsync(string guestId, GuestUpdateRequest request, IProgress<WorkProgress>? progress, CancellationToken cancellationToken = default)
    {
        var body = UpdateBody(request);
        return _channel.SendWorkAsync<Guest>(
            HttpMethod.Put, _channel.PathFor("guests", guestId), () => RestChannel.JsonContent(body), new LongWorkOptions { Progress = progress }, creates: false, canResend: true, cancellationToken);
    }

    /// <summary>The wire's body: cpus, memory and paravirtualized take one of two shapes each (the original's).</summary>
    internal static JsonObject UpdateBody(GuestUpdateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = new JsonObject();
        void Add(string key, JsonNode? value)
        {
            if (value is not null)
            {
                body[key] = value;
            }
        }

        Add("name", request.Name);
        Add("cpus", request.VcpusMax is { } max
            ? new JsonObject { ["vcpus_at_startup"] = request.Cpus, ["vcpus_max"] = max }
            : request.Cpus);
        Add("memory", request.MemoryLimits is { } limits
            ? new JsonObject { ["memory_static_min"] = limits.StaticMin, ["memory_static_max"] = limits.StaticMax, ["memory_target"] = limits.Target }
            : request.Memory);
        Add("memory_target_live", request.MemoryTargetLive);
        Add("vcpus_number_live", request.VcpusNumberLive);
        Add("vcpu_settings", request.VcpuSettings is { } settings ? new JsonObject { ["weight"] = settings.Weight, ["cap"] = settings.Cap } : null);
        Add("ha_enabled", request.HaEnabled);
        Add("template", request.Template);
        Add("paravirtualized", request.PvArgs is { } args ? args : request.Paravirtualized);
        Add("hdd", request.Hdd);
        return body;
    }

    /// <summary>Deletes a guest (running or stopped) and the volumes the gateway created for it, unless <paramref name="keepDisks"/>.</summary>
    public Task DeleteAsync(string guestId, bool keepDisks = false, CancellationToken cancellationToken = default)
        => _channel.SendAsync(
            HttpMethod.Delete,
            _channel.PathFor("guests", guestId) + (keepDisks ? "?keep_disks=true" : string.Empty),
            body: null,
            cancellationToken);

    /// <summary>Clones a stopped guest: new id, new MACs, copied disks.</summary>
    public Task<Guest> CloneAsync(string guestId, string name, CancellationToken cancellationToken = default)
        => CloneAsync(guestId, name, null, cancellationToken);

    /// <summary>Clones a stopped guest with the caller's key and/or the gateway's progress (the disks' copy).</summary>
    public Task<Guest> CloneAsync(string guestId, string name, LongWorkOptions? options, CancellationToken cancellationToken = default)
        => _channel.SendWorkAsync<Guest>(
            HttpMethod.Post, _channel.PathFor("guests", guestId, "clone"), () => RestChannel.JsonContent(new { name }), options, creates: true, canResend: true, cancellationToken);

    /// <summary>
    /// Starts the export of a stopped guest (API.md §5) and returns the archive as a stream, with its
    /// length when known. Nothing is buffered: read it and dispose the result.
    /// </summary>
    public async Task<GuestExportStream> OpenExportAsync(string guestId, CancellationToken cancellationToken = default)
    {
        using var request = _channel.NewRequest(HttpMethod.Get, _channel.PathFor("guests", guestId, "export"));
        request.Headers.Accept.Clear();
        request.Headers.Accept.ParseAdd("application/x-tar");
        request.Headers.Accept.ParseAdd("application/json");
        var response = await _channel.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        try
        {
            var content = await response.Content.ReadAsStreamAsync(cancellationToken);
            return new GuestExportStream(response, content);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Exports a stopped guest into <paramref name="destination"/>, reporting the bytes written so far; returns the total.</summary>
    public async Task<long> ExportAsync(string guestId, Stream destination, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        await using var export = await OpenExportAsync(guestId, cancellationToken);
        return await export.CopyToAsync(destination, progress, cancellationToken);
    }

    /// <summary>
    /// Imports an export archive, streamed from <paramref name="source"/> without buffering it,
    /// reporting the bytes sent so far. With <paramref name="storageId"/>, the disks go to that pool.
    /// </summary>
    public Task<Guest> ImportAsync(Stream source, string? storageId = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
        => ImportAsync(source, storageId, progress, null, cancellationToken);

    /// <summary>
    /// As the other overload, with the caller's key and/or the gateway's progress (the disks'
    /// conversion included). The SDK retries (and makes a key of its own) only when
    /// <paramref name="source"/> can seek: a retry sends the archive again from where it began.
    /// </summary>
    public Task<Guest> ImportAsync(Stream source, string? storageId, IProgress<long>? upload, LongWorkOptions? options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var path = storageId is null ? _channel.PathFor("guests") : _channel.PathFor("storages", storageId, "guests");
        var start = source.CanSeek ? source.Position : 0;
        var sent = false;
        HttpContent Body()
        {
            if (sent && source.CanSeek)
            {
                source.Position = start;
            }

            sent = true;
            return new ProgressStreamContent(source, upload);
        }

        return _channel.SendWorkAsync<Guest>(HttpMethod.Post, path, Body, options, creates: true, canResend: source.CanSeek, cancellationToken);
    }

    /// <summary>The query of a filtered list: empty when nothing is set.</summary>
    internal static string FilterQuery(GuestFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var parts = new List<string>(3);
        if (filter.State is { } state)
        {
            parts.Add("state=" + state switch
            {
                GuestState.Started => "STARTED",
                GuestState.Stopped => "STOPPED",
                GuestState.Paused => "PAUSED",
                _ => throw new ArgumentException("Only Started, Stopped or Paused can filter the list.", nameof(filter)),
            });
        }

        if (filter.Name is { } name)
        {
            parts.Add("name=" + Uri.EscapeDataString(name));
        }

        if (filter.Tag is { } tag)
        {
            parts.Add("tag=" + Uri.EscapeDataString(tag));
        }

        return parts.Count == 0 ? string.Empty : "?" + string.Join('&', parts);
    }

    internal static string WaitQuery(TimeSpan? wait)
        => wait is { } w ? "?wait=" + w.TotalSeconds.ToString(CultureInfo.InvariantCulture) : string.Empty;
}
