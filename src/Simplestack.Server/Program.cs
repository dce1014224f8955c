using Simplestack.Server.Hosting;

// Composition only: services in Hosting/SimplestackServices.cs, routes in Endpoints/.
var builder = WebApplication.CreateBuilder(args);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
builder.Services.AddSimplestack(builder.Configuration);

var app = builder.Build();
app.UseSimplestackErrors();
app.MapSimplestack();
app.Run();

/// <summary>The entry point, public for <c>WebApplicationFactory&lt;Program&gt;</c> in the tests.</summary>
public partial class Program;
