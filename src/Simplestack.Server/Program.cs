using Simplestack.Server.Consoles;
using Simplestack.Server.Errors;
using Simplestack.Server.Hosting;
using Simplestack.Server.Observability;
using Simplestack.Server.Targets;

// Composition only: services in Hosting/SimplestackServices.cs, routes in Endpoints/.
// The slim builder: Kestrel (HTTP/1.1 and HTTP/2; HTTPS when configured, added back below), JSON
// configuration, environment variables, console logging, AllowedHosts. What CreateBuilder adds on
// top (HTTP/3, the Debug and EventSource log providers, IIS, static web assets, regex route
// constraints) the gateway does not use; leaving it out loads less (bench/RESULTS.md).
var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseKestrelHttpsConfiguration();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
builder.Services.AddSimplestack(builder.Configuration);

var app = builder.Build();
// The whole request pipeline, outermost first. (In Development the framework puts its exception
// page in front; ASPNETCORE_FORWARDEDHEADERS_ENABLED=true puts its forwarded-headers middleware there.)
app.UseMiddleware<RequestObservabilityMiddleware>(); // request id, access log, metrics; JSON for answers left with only a status
app.UseHostFiltering();                                // AllowedHosts: its refusals get the JSON and the log line above
app.UseExceptionHandler(ErrorHandler.MiddlewareOptions()); // every exception answers JSON (Errors/)
app.UseWebSockets();                                   // the consoles' WebSocket upgrade (Endpoints/ConsoleEndpoints.cs)
app.UseConsolePage();                                  // /ui/: the console page's static files (Consoles/ConsolePage.cs)
app.UseRouting();
app.UseMiddleware<TargetResolutionMiddleware>();        // /{hypervisor}/{host}: checked once routed, before anything is bound
app.MapSimplestack();
app.Run();

/// <summary>The entry point, public for <c>WebApplicationFactory&lt;Program&gt;</c> in the tests.</summary>
public partial class Program;
