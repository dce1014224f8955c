using System.Text.Json.Nodes;

namespace Simplestack.Server.Tests.Hostile;

/// <summary>One operation of the OpenAPI document: method, path template, its path parameters and its JSON body schema.</summary>
public sealed record ApiRoute(string Method, string Template, IReadOnlyList<string> PathParameters, JsonObject? BodySchema, bool AcceptsArchive, IReadOnlyList<string> QueryParameters)
{
    public bool IsTargetRoute => Template.StartsWith("/{hypervisor}/{host}", StringComparison.Ordinal);

    public override string ToString() => $"{Method} {Template}";
}

/// <summary>Reads every route from the checked-in <c>docs/openapi.json</c> (the generated contract), not from a hand-kept list.</summary>
public static class OpenApiRoutes
{
    public static string DocumentPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "docs", "openapi.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("docs/openapi.json not found above " + AppContext.BaseDirectory);
    }

    public static IReadOnlyList<ApiRoute> Load()
    {
        var document = JsonNode.Parse(File.ReadAllText(DocumentPath()))!.AsObject();
        List<ApiRoute> routes = [];
        foreach (var (template, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operationNode) in item!.AsObject())
            {
                if (method is not ("get" or "put" or "post" or "delete" or "patch"))
                {
                    continue;
                }

                var operation = operationNode!.AsObject();
                var parameters = operation["parameters"]?.AsArray() ?? [];
                var pathParameters = parameters.Where(p => (string?)p!["in"] == "path").Select(p => (string)p!["name"]!).ToList();
                var query = parameters.Where(p => (string?)p!["in"] == "query").Select(p => (string)p!["name"]!).ToList();
                var content = operation["requestBody"]?["content"]?.AsObject();
                var schema = content?["application/json"]?["schema"] is { } body ? Resolve(body, document).AsObject() : null;
                var archive = content?.Any(c => c.Key != "application/json") ?? false;
                routes.Add(new ApiRoute(method.ToUpperInvariant(), template, pathParameters, schema, archive, query));
            }
        }

        return routes;
    }

    /// <summary>A copy of <paramref name="schema"/> with every <c>$ref</c> to <c>#/components/schemas/</c> replaced by what it names.</summary>
    private static JsonNode Resolve(JsonNode schema, JsonObject document)
    {
        const string prefix = "#/components/schemas/";
        if (schema is JsonObject { Count: 1 } reference && (string?)reference["$ref"] is { } target && target.StartsWith(prefix, StringComparison.Ordinal))
        {
            return Resolve(document["components"]!["schemas"]![target[prefix.Length..]]!, document);
        }

        return schema switch
        {
            JsonObject node => new JsonObject(node.Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : Resolve(p.Value, document)))),
            JsonArray list => new JsonArray([.. list.Select(item => item is null ? null : Resolve(item, document))]),
            _ => schema.DeepClone(),
        };
    }
}
