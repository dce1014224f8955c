using Microsoft.AspNetCore.Http.HttpResults;
using Simplestack.Core;
using Simplestack.Server.Requests;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Endpoints;

public static class TagsEndpoints
{
    public static IEndpointRouteBuilder MapTagsEndpoints(this IEndpointRouteBuilder routes)
    {
        var tags = routes.MapGroup("/guests/{guestId}/tags").WithTags("Tags");
        tags.MapGet(string.Empty, ListTags)
            .WithName("ListTags")
            .WithSummary("A guest's tags, as an array of strings");
        tags.MapPost(string.Empty, AddTag)
            .WithName("AddTag")
            .WithSummary("Add a tag; answers the new list, with the tag's Location");
        tags.MapDelete("/{name}", RemoveTag)
            .WithName("RemoveTag")
            .WithSummary("Remove a tag");
        return routes;
    }

    public static async Task<Ok<IReadOnlyList<string>>> ListTags(HypervisorSession hv, string guestId)
        => TypedResults.Ok(await (await hv.RequireAsync<ITagManagement>()).ListTagsAsync(guestId, hv.Aborted));

    public static async Task<Created<IReadOnlyList<string>>> AddTag(HypervisorSession hv, string guestId, JsonBody<TagCreateRequest> body)
    {
        var tag = body.Value.Name;
        var tags = await hv.RequireAsync<ITagManagement>();
        var list = await tags.AddTagAsync(guestId, tag, hv.Aborted);
        return TypedResults.Created(hv.PathFor("guests", guestId, "tags", tag), list);
    }

    public static async Task<NoContent> RemoveTag(HypervisorSession hv, string guestId, string name)
    {
        await (await hv.RequireAsync<ITagManagement>()).RemoveTagAsync(guestId, name, hv.Aborted);
        return TypedResults.NoContent();
    }
}
