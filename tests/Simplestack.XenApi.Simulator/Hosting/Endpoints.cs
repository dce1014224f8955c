using Simplestack.XenApi.Simulator.Protocol;
using Simplestack.XenApi.Simulator.Semantics;

namespace Simplestack.XenApi.Simulator.Hosting;

/// <summary>The RPC endpoints xapi serves, POST /jsonrpc and POST / (XML-RPC), and its HTTP handlers GET /export and PUT /import.</summary>
internal static class Endpoints
{
    // What xapi answers to a body it cannot parse (api_server.ml): a 500 with an HTML page.
    private const string ServerErrorPage =
        "<html><body><h1>HTTP 500 internal server error</h1>An unexpected error occurred; please wait a while and try again. "
        + "If the problem persists, please contact your support representative.</body></html>";

    public static void Map(WebApplication app, SimulatorState state, Dispatcher dispatcher, PauseGate gate, bool onSlave)
    {
        app.Use(async (context, next) =>
        {
            await gate.WaitAsync(context.RequestAborted).ConfigureAwait(false);
            await next(context).ConfigureAwait(false);
        });
        app.MapPost("/jsonrpc", context => JsonRpcAsync(context, dispatcher, onSlave));
        app.MapPost("/", context => XmlRpcAsync(context, dispatcher, onSlave));
        // xapi finds a handler by the longest prefix of the path: clients send "/export/" too.
        foreach (var path in new[] { "/export", "/export/{**rest}" })
        {
            app.MapGet(path, context => ExportEndpoint.HandleAsync(context, state));
        }
        foreach (var path in new[] { "/import", "/import/{**rest}" })
        {
            app.MapPut(path, context => ImportEndpoint.HandleAsync(context, state));
        }
    }

    private static async Task JsonRpcAsync(HttpContext context, Dispatcher dispatcher, bool onSlave)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        var request = JsonRpc.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        if (request is null)
        {
            await ServerErrorAsync(context).ConfigureAwait(false);
            return;
        }
        byte[] answer;
        try
        {
            answer = JsonRpc.Success(request, await dispatcher.CallAsync(request.Call, onSlave).ConfigureAwait(false));
        }
        catch (Exception error)
        {
            answer = JsonRpc.Failure(request, AsXenApiError(error));
        }
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json"; // exactly this: some clients compare the whole header
        await context.Response.Body.WriteAsync(answer, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task XmlRpcAsync(HttpContext context, Dispatcher dispatcher, bool onSlave)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        buffer.Position = 0;
        var call = XmlRpc.Parse(buffer);
        if (call is null)
        {
            await ServerErrorAsync(context).ConfigureAwait(false);
            return;
        }
        string answer;
        try
        {
            answer = XmlRpc.Success(await dispatcher.CallAsync(call, onSlave).ConfigureAwait(false));
        }
        catch (Exception error)
        {
            answer = XmlRpc.Failure(AsXenApiError(error));
        }
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/xml";
        await context.Response.WriteAsync(answer, context.RequestAborted).ConfigureAwait(false);
    }

    // Anything but a XenAPI failure is a bug or a malformed argument: xapi calls those INTERNAL_ERROR.
    private static XenApiException AsXenApiError(Exception error) =>
        error as XenApiException ?? new XenApiException("INTERNAL_ERROR", error.GetType().Name + ": " + error.Message);

    private static Task ServerErrorAsync(HttpContext context)
    {
        context.Response.StatusCode = 500;
        context.Response.ContentType = "text/html";
        return context.Response.WriteAsync(ServerErrorPage, context.RequestAborted);
    }
}

/// <summary>Holds requests while paused, to play a hung host.</summary>
internal sealed class PauseGate
{
    private readonly Lock _sync = new();
    private TaskCompletionSource? _paused;

    public void Pause()
    {
        lock (_sync)
        {
            _paused ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Resume()
    {
        lock (_sync)
        {
            _paused?.TrySetResult();
            _paused = null;
        }
    }

    public Task WaitAsync(CancellationToken cancellation)
    {
        lock (_sync)
        {
            return _paused is null ? Task.CompletedTask : _paused.Task.WaitAsync(cancellation);
        }
    }
}
