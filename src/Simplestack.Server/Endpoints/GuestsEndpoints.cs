using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Simplestack.Core;
using Simplestack.Server.Json;
using Simplestack.Server.OpenApi;
using Simplestack.Server.Requests;
using Simplestack.Core.Idempotency;
using Simplestack.Server.Targets;
using Simplestack.Server.Work;

namespace Simplestack.Server.Endpoints;

public static class GuestsEndpoints
{
    public static IEndpointRouteBuilder MapGuestsEndpoints(this IEndpointRouteBuilder routes)
    {
        var guests = routes.MapGroup("/guests").WithTags("Guests");
        guests.MapGet(string.Empty, ListGuests)
            .WithName("ListGuests")
            .WithSummary("Every guest, as full guest objects")
            .WithDescription(
                "Filters, answered from the list the driver keeps (no call per guest), all of them holding when combined: "
                + "state=STARTED|STOPPED|PAUSED (any case; another word is 400), name=GLOB (* any characters, ? one, the whole name, "
                + "case-sensitive), tag=TAG (guests carrying that tag; 501 on a driver whose list does not carry tags). "
                + "Other query parameters are ignored. A body of 1 KiB or more is compressed (gzip, br) when Accept-Encoding asks for it.")
            .Produces<IReadOnlyList<Guest>>(StatusCodes.Status200OK, "application/json")
            .WithQueryParameter("state", "Only guests in this state: STARTED, STOPPED or PAUSED (any case).")
            .WithQueryParameter("name", "Only guests whose whole name matches this glob (* any characters, ? one; case-sensitive).")
            .WithQueryParameter("tag", "Only guests carrying this tag.");
        guests.MapPost(string.Empty, CreateOrImportGuest)
            .WithName("CreateGuest")
            .WithSummary("Create a guest (JSON body) or import one (archive body)")
            .WithDescription(
                "A body whose first non-blank byte is '{' creates a guest from a JSON request (API.md §4); any other body is "
                + "an export archive to import (§5). The Content-Type is not looked at. 201 with the guest and its Location. "
                + "With Accept: text/event-stream, progress events and a final result event (API.md §9).")
            .CreatesWithKey<Guest>();
        guests.MapGet("/{guestId}", GetGuest)
            .WithName("GetGuest")
            .WithSummary("One guest, by UUID or name")
            .WithDescription(
                "?wait_for=ip answers once the guest reports an address (ip not null), reading it again with a short backoff; "
                + "timeout=SECONDS bounds the wait (the configured default when absent, up to the configured maximum; 504 past it). "
                + "Closing the request ends the wait.")
            .WithQueryParameter("wait_for", "ip: answer once the guest reports an address.")
            .WithQueryParameter("timeout", "With wait_for: seconds to wait at most (504 past them).", isNumber: true);
        guests.MapPut("/{guestId}", UpdateGuest)
            .WithName("UpdateGuest")
            .WithSummary("Change a guest's name, cpus, memory, hdd and the original's other keys")
            .WithDescription(
                "memory is MiB, or {memory_target, memory_static_min, memory_static_max} in MiB; cpus a count, or {vcpus_at_startup, vcpus_max}; "
                + "memory_target_live and vcpus_number_live change a running guest only; hdd is the wanted total in GiB (the last disk grows); "
                + "paravirtualized is true, false or the kernel arguments; template: true makes the guest a template, which leaves the guest list. "
                + "Everything is checked before anything changes. A key the hypervisor has no meaning for answers 501 naming it. "
                + "The answer's 'applied' says, for each changed field, whether it applied 'live' or at 'next_boot'. "
                + "With Accept: text/event-stream, progress events and a final result event (API.md §9).")
            .Produces<Guest>(StatusCodes.Status200OK, "application/json")
            .FollowedAsStream()
            .ProducesError(StatusCodes.Status409Conflict);
        guests.MapDelete("/{guestId}", DeleteGuest)
            .WithName("DeleteGuest")
            .WithSummary("Delete a guest, running or stopped")
            .WithDescription("Removes its snapshots and the volumes the gateway created for it; ?keep_disks=true keeps every volume.");
        guests.MapPost("/{guestId}/clone", CloneGuest)
            .WithName("CloneGuest")
            .WithSummary("Clone a stopped guest (new id, new MACs, copied disks)")
            .WithDescription("With Accept: text/event-stream, progress events and a final result event (API.md §9).")
            .CreatesWithKey<Guest>();
        guests.MapGet("/{guestId}/export", ExportGuest)
            .WithName("ExportGuest")
            .WithSummary("Export a stopped guest as a streamed archive (API.md §5)")
            .ProducesError(StatusCodes.Status409Conflict);
        return routes;
    }

    /// <summary>
    /// The list is answered with bytes serialised once per list instance: a driver that keeps an
    /// inventory returns the same instance until something changes, so a large list is not
    /// serialised again for every request.
    /// </summary>
    /// <remarks>
    /// The filters are read from the query only when there is one: an unfiltered list does no query
    /// parsing and is answered from the cached bytes as before.
    /// </remarks>
    public static async ValueTask<IResult> ListGuests(HypervisorSession hv, ListBodies bodies)
    {
        var request = hv.HttpContext.Request;
        var filter = request.QueryString.HasValue
            ? GuestListFilter.Parse(QueryValue(request, "state"), QueryValue(request, "name"), QueryValue(request, "tag"))
            : null;
        var connection = await hv.ConnectAsync();
        if (filter is null)
        {
            return bodies.Result(bodies.For(await connection.ListGuestsAsync(hv.Aborted)));
        }

        filter.CheckServedBy(connection, hv.Target.Driver.Name);
        return bodies.Result(bodies.Once(filter.Apply(await connection.ListGuestsAsync(hv.Aborted))));
    }

    /// <summary>One query parameter's value, null when absent; given twice is 400.</summary>
    private static string? QueryValue(HttpRequest request, string name)
    {
        var values = request.Query[name];
        return values.Count switch
        {
            0 => null,
            1 => values[0] ?? string.Empty,
            _ => throw new InvalidArgumentException($"{name} may be given once."),
        };
    }

    public static async Task<IResult> CreateOrImportGuest(HypervisorSession hv, GuestCreateOrImport body)
    {
        if (body.Create is not { } request)
        {
            return await ImportAsync(hv, storageId: null, bodyLimitSet: true);
        }

        var management = await hv.RequireAsync<IGuestManagement>();
        return await LongWork.CreateAsync(
            hv, CreatedScope.Guests, request, ct => management.CreateGuestAsync(request, ct), hv.ReadGuestAsync, hv.GuestCreated);
    }

    /// <remarks>As for the list, the query is read only when there is one.</remarks>
    public static async Task<Ok<Guest>> GetGuest(HypervisorSession hv, string guestId)
    {
        var context = hv.HttpContext;
        var wait = context.Request.QueryString.HasValue ? ParseWait(context) : null;
        var connection = await hv.ConnectAsync();
        return TypedResults.Ok(wait is { } within
            ? await GuestWait.ForIpAsync(connection, guestId, within, context.RequestServices.GetRequiredService<TimeProvider>(), hv.Aborted)
            : await connection.GetGuestAsync(guestId, hv.Aborted));
    }

    private static TimeSpan? ParseWait(HttpContext context)
    {
        var timeoutText = QueryValue(context.Request, "timeout");
        double? timeout = null;
        if (timeoutText is not null)
        {
            timeout = double.TryParse(timeoutText, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                ? seconds
                : throw new InvalidArgumentException("timeout must be a number of seconds.");
        }

        var options = context.RequestServices.GetRequiredService<IOptions<GuestWaitOptions>>().Value;
        return GuestWait.Parse(QueryValue(context.Request, "wait_for"), timeout, options);
    }

    /// <remarks>Followed as a stream when asked: growing the last disk (hdd) is long work.</remarks>
    public static async Task<IResult> UpdateGuest(HypervisorSession hv, string guestId, GuestUpdateBody body)
    {
        var management = await hv.RequireAsync<IGuestManagement>();
        return await LongWork.RunAsync(hv, async ct => TypedResults.Ok(await management.UpdateGuestAsync(guestId, body.Request, ct)));
    }

    public static async Task<NoContent> DeleteGuest(
        HypervisorSession hv, string guestId, [FromQuery(Name = "keep_disks")] bool? keepDisks)
    {
        var management = await hv.RequireAsync<IGuestManagement>();
        await management.DeleteGuestAsync(guestId, new GuestDeleteOptions(keepDisks ?? false), hv.Aborted);
        return TypedResults.NoContent();
    }

    public static async Task<IResult> CloneGuest(HypervisorSession hv, string guestId, JsonBody<CloneRequest> body)
    {
        var cloning = await hv.RequireAsync<IGuestCloning>();
        return await LongWork.CreateAsync(
            hv, CreatedScope.Guests, body.Value, ct => cloning.CloneGuestAsync(guestId, body.Value.Name, ct), hv.ReadGuestAsync, hv.GuestCreated);
    }

    public static async Task<ArchiveResult> ExportGuest(HypervisorSession hv, string guestId)
    {
        var transfer = await hv.RequireAsync<IGuestTransfer>();
        return new ArchiveResult(await transfer.OpenExportAsync(guestId, hv.Aborted));
    }

    /// <summary>Imports the request body (an export archive), streamed to the driver without buffering it.</summary>
    internal static async Task<IResult> ImportAsync(HypervisorSession hv, string? storageId, bool bodyLimitSet = false)
    {
        var context = hv.HttpContext;
        if (!bodyLimitSet)
        {
            RequestBody.AllowLargeBody(context);
        }

        var transfer = await hv.RequireAsync<IGuestTransfer>();
        if (!bodyLimitSet && await RequestBody.PeekKindAsync(context) == BodyKind.Empty)
        {
            throw new InvalidArgumentException("A body is required: an export archive to import.");
        }

        var length = context.Request.ContentLength;
        return await LongWork.CreateAsync(
            hv,
            CreatedScope.Guests,
            new ArchiveBody(length),
            async ct =>
            {
                await using var body = CountingReadStream.Wrap(RequestBody.OpenStream(context), length);
                return await transfer.ImportGuestAsync(body, length, storageId, ct);
            },
            hv.ReadGuestAsync,
            hv.GuestCreated);
    }

    /// <summary>A guest made before, read again for the answer to a retry of its keyed request.</summary>
    private static async Task<Guest> ReadGuestAsync(this HypervisorSession hv, string guestId, CancellationToken cancellationToken)
        => await (await hv.ConnectAsync()).GetGuestAsync(guestId, cancellationToken);

    /// <summary>The answer of a request that made a guest: 201 with its Location.</summary>
    private static Created<Guest> GuestCreated(this HypervisorSession hv, Guest guest)
        => TypedResults.Created(hv.PathFor("guests", guest.Id), guest);
}
