using System.IO.Compression;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.Options;
using Simplestack.Server.Json;

namespace Simplestack.Server.Hosting;

/// <summary>Compression of large answers (section <c>Simplestack:Compression</c>).</summary>
public sealed class CompressionOptions
{
    public const string Section = "Simplestack:Compression";

    /// <summary>Off: nothing is compressed and the middleware is not in the pipeline at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Only bodies whose length is known and at least this are compressed (the guest lists, written
    /// from bytes serialised beforehand); smaller ones, and answers serialised as they are written
    /// (a guest, an error: all small), go as they are, where compressing costs more than it saves.
    /// </summary>
    public int MinimumBytes { get; set; } = 1024;
}

/// <summary>
/// gzip and br on large JSON answers, per the request's <c>Accept-Encoding</c> (ASP.NET Core's
/// ResponseCompression). Kept off the path of requests that do not ask for it: the middleware is
/// entered only when the request has an <c>Accept-Encoding</c> header, so a client that does not
/// ask (and the benchmark) meets the pipeline as it was. Only JSON is compressed: never an
/// export archive or an event stream, which must flow unbuffered.
/// </summary>
public static class ResponseCompressionSetup
{
    public static IServiceCollection AddSimplestackCompression(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CompressionOptions>().Bind(configuration.GetSection(CompressionOptions.Section));
        services.AddSingleton<IResponseCompressionProvider, SizedCompressionProvider>();
        services.AddResponseCompression(options =>
        {
            // The gateway's answers echo no secret next to attacker-chosen text in one body (BREACH's need).
            options.EnableForHttps = true;
            options.MimeTypes = [Utf8JsonResult.JsonContentType, "application/problem+json"];
            options.Providers.Add<BrotliCompressionProvider>();
            options.Providers.Add<GzipCompressionProvider>();
        });
        services.Configure<BrotliCompressionProviderOptions>(options => options.Level = CompressionLevel.Fastest);
        services.Configure<GzipCompressionProviderOptions>(options => options.Level = CompressionLevel.Fastest);
        return services;
    }

    public static IApplicationBuilder UseSimplestackCompression(this IApplicationBuilder app)
    {
        if (app.ApplicationServices.GetRequiredService<IOptions<CompressionOptions>>().Value.Enabled)
        {
            app.UseWhen(context => context.Request.Headers.AcceptEncoding.Count > 0, branch => branch.UseResponseCompression());
        }

        return app;
    }
}

/// <summary>The framework's choice, for answers whose length is known and at least <see cref="CompressionOptions.MinimumBytes"/>.</summary>
internal sealed class SizedCompressionProvider(IServiceProvider services, IOptions<ResponseCompressionOptions> options, IOptions<CompressionOptions> sizing)
    : ResponseCompressionProvider(services, options)
{
    private readonly int _minimumBytes = sizing.Value.MinimumBytes;

    public override bool ShouldCompressResponse(HttpContext context)
        => context.Response.ContentLength is { } length && length >= _minimumBytes && base.ShouldCompressResponse(context);
}
