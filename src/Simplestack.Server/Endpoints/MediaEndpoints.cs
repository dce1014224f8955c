using Microsoft.AspNetCore.Http.HttpResults;
using Simplestack.Core;
using Simplestack.Server.Requests;
using Simplestack.Server.OpenApi;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Endpoints;

public static class MediaEndpoints
{
    public static IEndpointRouteBuilder MapMediaEndpoints(this IEndpointRouteBuilder routes)
    {
        var media = routes.MapGroup("/guests/{guestId}/media_device").WithTags("Media");
        media.MapGet(string.Empty, GetMedia)
            .WithName("GetMedia")
            .WithSummary("The ISO in the guest's CD/DVD drive ({\"name\": null} when empty)");
        media.MapPut(string.Empty, SetMedia)
            .WithName("SetMedia")
            .WithSummary("Mount the ISO volume of that name, or eject with {\"name\": null} or \"\"")
            .ProducesError(StatusCodes.Status409Conflict);
        return routes;
    }

    public static async Task<Ok<MediaDevice>> GetMedia(HypervisorSession hv, string guestId)
        => TypedResults.Ok(await (await hv.RequireAsync<IMediaManagement>()).GetMediaAsync(guestId, hv.Aborted));

    public static async Task<Ok<MediaDevice>> SetMedia(HypervisorSession hv, string guestId, JsonBody<MediaRequest> body)
    {
        var name = string.IsNullOrWhiteSpace(body.Value.Name) ? null : body.Value.Name;
        var media = await hv.RequireAsync<IMediaManagement>();
        return TypedResults.Ok(await media.SetMediaAsync(guestId, name, hv.Aborted));
    }
}
