using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Simplestack.Core;
using Simplestack.Server.Logging;
using Simplestack.Server.OpenApi;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Security;

/// <summary>
/// The caller's API key, checked where API.md §1 puts it: after the target checks (404, 403) and
/// before the hypervisor token. The key comes in <c>x-simplestack-token</c> (what the original
/// Ruby client sends) or <c>Authorization: Bearer</c>. With no key configured, every caller may
/// proceed (allowed only on loopback: see <see cref="ExposureGuard"/>). Neither the key nor any
/// part of it is ever logged or echoed.
/// </summary>
public sealed class ApiKeyAuthorizer(ApiKeys keys, ILogger<ApiKeyAuthorizer> logger) : ICallerAuthorizer
{
    public const string TokenHeader = "x-simplestack-token";

    /// <summary>The <see cref="HttpContext.Items"/> key of the accepted key's name (for request logs).</summary>
    public const string CallerItem = "Simplestack.Caller";

    public ValueTask AuthorizeAsync(HttpContext context, ResolvedTarget target)
    {
        Authorize(context);
        return ValueTask.CompletedTask;
    }

    /// <summary>Throws <see cref="ErrorKind.Unauthorized"/> (401) unless no key is configured or the request carries one.</summary>
    public void Authorize(HttpContext context)
    {
        if (!keys.Enabled)
        {
            return;
        }

        var presented = ReadKey(context.Request.Headers, out var problem);
        if (presented is null)
        {
            Refuse(context, problem ?? $"This gateway needs an API key: send it in {TokenHeader} or as Authorization: Bearer.");
        }

        AuthorizeKey(context, presented!);
    }

    /// <summary>Checks a key presented elsewhere than the headers (a console's WebSocket subprotocol); 401 unless it matches.</summary>
    public void AuthorizeKey(HttpContext context, string presented)
    {
        if (!keys.Enabled)
        {
            return;
        }

        var name = keys.Match(presented);
        if (name is null)
        {
            Refuse(context, "The API key was not accepted.");
        }

        context.Items[CallerItem] = name;
    }

    private void Refuse(HttpContext context, string message)
    {
        Log.CallerRefused(logger, context.Request.Method, context.TraceIdentifier);
        // On start: the exception handler clears headers set before it answers.
        context.Response.OnStarting(() =>
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return Task.CompletedTask;
        });
        throw new SimplestackException(ErrorKind.Unauthorized, message);
    }

    /// <summary>The presented key, or null (with why, when the headers are contradictory or malformed).</summary>
    internal static string? ReadKey(IHeaderDictionary headers, out string? problem)
    {
        problem = null;
        string? fromToken = null;
        if (headers.TryGetValue(TokenHeader, out var token) && !StringValues.IsNullOrEmpty(token))
        {
            if (token.Count > 1)
            {
                problem = $"Send one {TokenHeader} header, not {token.Count}.";
                return null;
            }

            fromToken = token[0]!.Trim();
        }

        string? fromBearer = null;
        if (headers.TryGetValue("Authorization", out var authorization) && !StringValues.IsNullOrEmpty(authorization))
        {
            if (authorization.Count > 1)
            {
                problem = $"Send one Authorization header, not {authorization.Count}.";
                return null;
            }

            var value = authorization[0]!.Trim();
            if (value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                fromBearer = value["Bearer ".Length..].Trim();
            }
        }

        if (fromToken is { Length: > 0 } && fromBearer is { Length: > 0 } && !string.Equals(fromToken, fromBearer, StringComparison.Ordinal))
        {
            problem = $"{TokenHeader} and Authorization: Bearer carry different keys; send one.";
            return null;
        }

        var key = fromToken is { Length: > 0 } ? fromToken : fromBearer;
        return string.IsNullOrEmpty(key) ? null : key;
    }
}

/// <summary>Applies the caller check to routes outside the target group (<c>/metrics</c>, <c>/readyz</c>).</summary>
public sealed class RequireApiKeyFilter(ApiKeyAuthorizer authorizer) : IEndpointFilter
{
    /// <summary>The registered filter, as an endpoint filter delegate.</summary>
    public static ValueTask<object?> Invoke(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        => context.HttpContext.RequestServices.GetRequiredService<RequireApiKeyFilter>().InvokeAsync(context, next);

    /// <summary>
    /// Puts the caller check on <paramref name="route"/>, and says so to the OpenAPI document (its
    /// security and its 401). The registered filter, not <c>AddEndpointFilter&lt;T&gt;</c>: that one
    /// activates a new instance per request through a factory compiled from an expression tree at start-up.
    /// </summary>
    public static RouteHandlerBuilder ApplyTo(RouteHandlerBuilder route)
    {
        ArgumentNullException.ThrowIfNull(route);
        route.AddEndpointFilter(Invoke);
        route.WithMetadata(CallerKeyMetadata.Instance);
        route.ProducesError(StatusCodes.Status401Unauthorized);
        return route;
    }

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        authorizer.Authorize(context.HttpContext);
        return next(context);
    }
}
