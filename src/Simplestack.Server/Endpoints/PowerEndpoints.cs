using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Simplestack.Core;
using Simplestack.Server.OpenApi;
using Simplestack.Server.Requests;
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
            .ProducesError(StatusCodes.Status409Conflict);
        guest.MapPut("/reboot", Reboot)
            .WithName("RebootGuest")
            .WithSummary("Reboot a guest (the body is optional; {\"force\": true} resets it)")
            .ProducesError(StatusCodes.Status409Conflict);
        return routes;
    }

    public static async Task<Ok<ActionResult>> SetPower(
        HypervisorSession hv, string guestId, double? wait, JsonBody<PowerRequest> body, IOptions<PowerOptions> options)
    {
        var timeout = ParseWait(wait, options.Value.MaxWaitSeconds);
        var action = body.Value.ToAction();
        var power = await hv.RequireAsync<IGuestPower>();
        await power.SetPowerAsync(guestId, action, timeout, hv.Aborted);
        return TypedResults.Ok(ActionResult.Ok(PowerRequest.Word(action)));
    }

    public static async Task<Ok<ActionResult>> Reboot(HypervisorSession hv, string guestId, OptionalJsonBody<RebootRequest> body)
    {
        var power = await hv.RequireAsync<IGuestPower>();
        await power.RebootAsync(guestId, body.Value?.Force ?? false, hv.Aborted);
        return TypedResults.Ok(ActionResult.Ok("reboot"));
    }

    /// <summary><c>?wait=SECONDS</c>: from 0 to <see cref="PowerOptions.MaxWaitSeconds"/>, else 400.</summary>
    public static TimeSpan? ParseWait(double? seconds, int maxSeconds)
    {
        if (seconds is null)
        {
            return null;
        }

        if (!double.IsFinite(seconds.Value) || seconds.Value < 0 || seconds.Value > maxSeconds)
        {
            throw new InvalidArgumentException($"wait must be a number of seconds from 0 to {maxSeconds}.");
        }

        return TimeSpan.FromSeconds(seconds.Value);
    }
}

/// <summary>Power requests (section <c>Simplestack</c>).</summary>
public sealed class PowerOptions
{
    public const string Section = "Simplestack";

    /// <summary>Longest <c>?wait=SECONDS</c> a power request may ask for.</summary>
    public int MaxWaitSeconds { get; set; } = 600;
}

/// <summary>Refuses, at start-up, a negative longest wait.</summary>
internal sealed class PowerOptionsValidator : IValidateOptions<PowerOptions>
{
    public ValidateOptionsResult Validate(string? name, PowerOptions options)
        => options.MaxWaitSeconds < 0 ? ValidateOptionsResult.Fail("Simplestack:MaxWaitSeconds must not be negative.") : ValidateOptionsResult.Success;
}
