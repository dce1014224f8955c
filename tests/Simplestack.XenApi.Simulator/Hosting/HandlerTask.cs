using System.Net;
using System.Text;
using Simplestack.XenApi.Simulator.Protocol;
using Simplestack.XenApi.Simulator.Semantics;

namespace Simplestack.XenApi.Simulator.Hosting;

/// <summary>
/// What xapi's HTTP handlers (/export, /import) share (xapi_http.ml, http_svr.ml): parameters
/// from a cookie or the query, the credentials check (a session_id, or HTTP Basic), xapi's error
/// pages, and the task the transfer reports on: the client's task_id, or one made for it.
/// </summary>
internal sealed class HandlerTask
{
    private readonly SimulatorState _state;
    private double _reported;

    private HandlerTask(SimulatorState state, string reference) => (_state, Ref) = (state, reference);

    public string Ref { get; }

    /// <summary>A request parameter: the cookie wins over the query, as in xapi's lookup_param_of_req.</summary>
    public static string? Param(HttpContext context, string name) =>
        context.Request.Cookies.TryGetValue(name, out var cookie) ? cookie
        : context.Request.Query.TryGetValue(name, out var query) ? query.ToString() : null;

    /// <summary>
    /// True when the request carries a valid session_id or the pool's user and password (HTTP
    /// Basic). Otherwise answers as xapi's Http.Unauthorised does: a 401 page with
    /// WWW-Authenticate naming the handler's realm ("get_export", "put_import").
    /// </summary>
    public static async Task<bool> AuthorizeAsync(HttpContext context, SimulatorState state, string realm)
    {
        var ok = false;
        if (Param(context, "session_id") is { } session)
        {
            lock (state.Store.Sync)
            {
                try
                {
                    state.Sessions.Validate(session);
                    ok = true;
                }
                catch (XenApiException)
                {
                }
            }
        }
        else if (BasicCredentials(context) is var (user, password))
        {
            ok = user == state.Options.User && password == state.Options.Password;
        }
        if (!ok)
        {
            context.Response.Headers.WWWAuthenticate = $"Basic realm=\"{realm}\"";
            await ErrorPageAsync(context, HttpStatusCode.Unauthorized,
                "<html><body><h1>HTTP 401 unauthorised</h1>Please check your credentials and retry.</body></html>").ConfigureAwait(false);
        }
        return ok;
    }

    /// <summary>The client's task (task_id), or a new one labelled as xapi labels its own; HANDLE_INVALID for a task that does not exist.</summary>
    public static HandlerTask Open(HttpContext context, SimulatorState state, string label)
    {
        lock (state.Store.Sync)
        {
            if (Param(context, "task_id") is { Length: > 0 } given)
            {
                state.Store.Get("task", given);
                return new HandlerTask(state, given);
            }
            var call = new CallContext(state, "", "task", "create", []);
            return new HandlerTask(state, TaskMessages.NewTask(call, label, ""));
        }
    }

    /// <summary>Sets progress (0..1) when it moved by a percent or more, so events stay few.</summary>
    public void Progress(double fraction)
    {
        if (fraction - _reported < 0.01)
        {
            return;
        }
        _reported = fraction;
        lock (_state.Store.Sync)
        {
            var task = _state.Store.Get("task", Ref);
            if ((string?)task["status"] == "pending")
            {
                task["progress"] = Math.Min(fraction, 1.0);
                _state.Store.Touch("task", Ref);
            }
        }
    }

    /// <summary>True once the client cancelled the task (task.cancel).</summary>
    public bool Cancelled
    {
        get
        {
            lock (_state.Store.Sync)
            {
                return (string?)_state.Store.Get("task", Ref)["status"] is "cancelling" or "cancelled";
            }
        }
    }

    /// <summary>Ends the task with success; <paramref name="result"/> is XML-RPC text ("" for none), as task.result always is.</summary>
    public void Succeed(string result) => Finish("success", t => t["result"] = result);

    public void Fail(XenApiException error) =>
        Finish("failure", t => t["error_info"] = new List<object?> { error.Code }.Concat(error.Parameters).ToList());

    private void Finish(string status, Action<Dictionary<string, object?>> set)
    {
        lock (_state.Store.Sync)
        {
            if (!_state.Store.Exists("task", Ref))
            {
                return; // the client destroyed it meanwhile
            }
            var task = _state.Store.Get("task", Ref);
            if ((string?)task["status"] is not ("pending" or "cancelling"))
            {
                return;
            }
            set(task);
            task["status"] = (string?)task["status"] == "cancelling" ? "cancelled" : status;
            task["progress"] = 1.0;
            task["finished"] = _state.Now;
            _state.Store.Touch("task", Ref);
        }
    }

    /// <summary>
    /// xapi's answer when a handler ends in an API error (http_svr.ml response_internal_error): a
    /// 500 page naming the error; the task carries the same error.
    /// </summary>
    public async Task FailWithServerErrorAsync(HttpContext context, XenApiException error)
    {
        Fail(error);
        await ServerErrorAsync(context, error).ConfigureAwait(false);
    }

    public static Task ServerErrorAsync(HttpContext context, XenApiException error)
    {
        var described = $"Server_error({error.Code}, [ {string.Join("; ", error.Parameters)} ])";
        return ErrorPageAsync(context, HttpStatusCode.InternalServerError,
            "<html><body><h1>HTTP 500 internal server error</h1>An unexpected error occurred; please wait a while and try again. "
            + "If the problem persists, please contact your support representative.<h1> Additional information </h1>"
            + WebUtility.HtmlEncode(described) + "</body></html>");
    }

    /// <summary>The status alone, no body: how import.ml answers a chunked upload (403) or an ISO SR (400).</summary>
    public static Task StatusOnlyAsync(HttpContext context, HttpStatusCode status)
    {
        context.Response.StatusCode = (int)status;
        context.Response.Headers.Connection = "close";
        context.Response.Headers.CacheControl = "no-cache, no-store";
        context.Response.ContentLength = 0;
        return Task.CompletedTask;
    }

    private static Task ErrorPageAsync(HttpContext context, HttpStatusCode status, string page)
    {
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "text/html";
        context.Response.Headers.Connection = "close";
        context.Response.Headers.CacheControl = "no-cache, no-store";
        return context.Response.WriteAsync(page, context.RequestAborted);
    }

    private static (string User, string Password)? BasicCredentials(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : (text[..colon], text[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
