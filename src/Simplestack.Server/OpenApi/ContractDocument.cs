using System.Reflection;
using Simplestack.Core;
using Simplestack.Server.Json;

namespace Simplestack.Server.OpenApi;

/// <summary>
/// <c>/openapi/v1.json</c>. The build generates the document (docs/openapi.json, checked in: the
/// contract) and the gateway serves that file as it is, so a running gateway carries none of the
/// OpenAPI generator (measured: ~10 MiB of resident memory, bench/RESULTS.md). The generator runs
/// in-process only where it is needed: during the build's generation, and when
/// <c>Simplestack:OpenApi:Live</c> is true (to see a change before building).
/// </summary>
public static class ContractDocument
{
    public const string Path = "/openapi/v1.json";
    public const string FileName = "openapi.json";
    public const string LiveKey = "Simplestack:OpenApi:Live";

    private static readonly Lazy<byte[]?> Checked = new(() =>
    {
        var file = System.IO.Path.Combine(AppContext.BaseDirectory, FileName);
        return File.Exists(file) ? File.ReadAllBytes(file) : null;
    });

    /// <summary>Whether this process generates the document itself rather than serving the built one.</summary>
    public static bool GeneratedLive(IConfiguration configuration)
        => configuration.GetValue<bool>(LiveKey)
           // The build's generation step runs the app under this entry point (Microsoft.Extensions.ApiDescription.Server).
           || Assembly.GetEntryAssembly()?.GetName().Name == "GetDocument.Insider";

    public static Utf8JsonResult Serve()
        => new(Checked.Value ?? throw new EntityNotFoundException($"The OpenAPI document ({FileName}) is not installed next to the gateway."));
}
