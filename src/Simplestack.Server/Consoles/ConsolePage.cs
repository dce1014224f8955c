using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Simplestack.Server.Consoles;

/// <summary>
/// The console page at <c>/ui/</c>: static files (src/Simplestack.Ui, bundled by npm and esbuild
/// at build into the output's <c>ui</c> folder) that list a target's guests, power them and open
/// their consoles with tickets. The page holds no secret, so it is served to anyone; what it does
/// goes through the API with the key the user types. Absent when the build had no npm (a warning
/// said so): <c>/ui/</c> is then a 404 like any unknown path.
/// </summary>
public static class ConsolePage
{
    public const string RequestPath = "/ui";

    /// <summary>
    /// Scripts only from the gateway (no inline script, no eval), connections (fetch, the consoles'
    /// WebSockets) only to it, never framed. Inline styles stay allowed: xterm.js sets its own.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    public static string Folder => Path.Combine(AppContext.BaseDirectory, "ui");

    /// <summary>Serves the page before routing, so <c>/ui/...</c> never reaches the <c>/{hypervisor}/{host}</c> routes.</summary>
    public static IApplicationBuilder UseConsolePage(this IApplicationBuilder app)
    {
        if (!File.Exists(Path.Combine(Folder, "index.html")))
        {
            return app;
        }

        var files = new PhysicalFileProvider(Folder);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = RequestPath });
        return app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            RequestPath = RequestPath,
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                // Revalidated each time (ETag): a rebuilt gateway's page is never mixed with an old script.
                headers.CacheControl = "no-cache";
            },
        });
    }
}
