using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Simplestack.Core;
using Simplestack.Server.Hosting;
using Simplestack.Server.Json;
using Simplestack.Server.OpenApi;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Endpoints;

public static class PowerEndpoints
{
    public static IEndpointRouteBuilder MapPowerEndpoints(this IEndpointRouteBuilder routes)
    {
        var guest = routes.MapGroup("/guests/{guestId}").WithTags("Power");
        guest.MapPut("/power", SetPower)
            .WithName("SetPower")
            .WithSummary("Start, stop (ACPI), force_stop, pause or resume a guest")
            .WithDescription(
                "'stop' asks the guest to shut down and answers at once; ?wait=SECONDS waits until the state is reached "
                + "(504 past it). A state the guest is already in, or cannot go to from its state, is 409.")
            .AcceptsJson<PowerRequest>()
            .ProducesError(StatusCodes.Status409Conflict);
        guest.MapPut("/reboot", Reboot)
            .WithName("RebootGuest")
            .WithSummary("Reboot a guest (the body is optional; {\"force\": true} resets it)")
            .AcceptsJson<RebootRequest>(required: false)
            .ProducesError(StatusCodes.Status409Conflict);
        return routes;
    }

    public static async Task<Ok<ActionResult>> SetPower(
        HypervisorSession hv, string guestId, double? wait, IOptions<SimplestackOptions> options)
    {
        var timeout = RequestReaders.ParseWait(wait, options.Value.MaxWaitSeconds);
        var request = await JsonBody.ReadAsync<PowerRequest>(hv.HttpContext);
        var action = RequestReaders.ParsePowerState(request.State);
        var power = await hv.RequireAsync<IGuestPower>();
        await power.SetPowerAsync(guestId, action, timeout, hv.Aborted);
        return TypedResults.Ok(ActionResult.Ok(RequestReaders.PowerWord(action)));
    }

    public static async Task<Ok<ActionResult>> Reboot(HypervisorSession hv, string guestId)
    {
        var request = await JsonBody.ReadOptionalAsync<RebootRequest>(hv.HttpContext);
        var power = await hv.RequireAsync<IGuestPower>();
        await power.RebootAsync(guestId, request?.Force ?? false, hv.Aborted);
        return TypedResults.Ok(ActionResult.Ok("reboot"));
    }
}
