// The floor of bench/run.sh: the same bytes the gateway answers for a list, from memory, with
// nothing between Kestrel and the bytes but a minimal-API route. What the gateway costs on top of
// this (routing, target checks, pool, JSON, logging, metrics) is the measured difference.
//   Floor BODY_FILE URL        e.g. Floor /tmp/body.json http://127.0.0.1:18090
var body = await File.ReadAllBytesAsync(args[0]);
var builder = WebApplication.CreateSlimBuilder(); // no args: a leading '/' path would read as a "/key value" switch
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
builder.WebHost.UseUrls(args[1]);
var app = builder.Build();
app.MapGet("/{hypervisor}/{host}/guests", () => Results.Bytes(body, "application/json; charset=utf-8"));
app.Run();
