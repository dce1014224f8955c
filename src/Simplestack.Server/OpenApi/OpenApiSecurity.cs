using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Simplestack.Server.Security;
using Simplestack.Server.Targets;

namespace Simplestack.Server.OpenApi;

/// <summary>
/// The two credentials of the API as security schemes (generators drop header parameters they
/// take for authentication; schemes they turn into their clients' authentication):
/// the caller's API key (<c>x-simplestack-token</c>, or <c>Authorization: Bearer</c>), and the
/// hypervisor token (<c>x-simplestack-hypervisor-token</c>).
/// </summary>
internal sealed class SecuritySchemesTransformer : IOpenApiDocumentTransformer
{
    public const string CallerKey = "callerKey";
    public const string CallerBearer = "callerBearer";
    public const string HypervisorToken = "hypervisorToken";

    private const string WhenConfigured =
        " Needed only when the gateway has API keys configured (Simplestack:Security:ApiKeys); 401 when it is missing or not accepted.";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal)
        {
            [CallerKey] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyAuthorizer.TokenHeader,
                Description = "The caller's API key." + WhenConfigured,
            },
            [CallerBearer] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The caller's API key as a bearer token (the same key as " + ApiKeyAuthorizer.TokenHeader + ")." + WhenConfigured,
            },
            [HypervisorToken] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = TokenParser.HeaderName,
                Description = "The hypervisor's credentials: base64 of user:password (the password is everything after the first ':'). "
                              + "Required for remote targets (401 without it), optional for the test hypervisor and local sockets; "
                              + "400 when malformed. Never sent to the staging agent's routes.",
            },
        };
        return Task.CompletedTask;
    }
}

/// <summary>
/// Each operation's security, as alternatives (any one of them): on <c>/{hypervisor}/{host}</c>,
/// the caller key (either way) with or without the hypervisor token, or none; on the staging agent's
/// routes and the operational routes that check it, the caller key or none; nothing on <c>/healthz</c>.
/// </summary>
internal sealed class SecurityTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var target = metadata.OfType<TargetRoute>().FirstOrDefault();
        var callerKey = target is not null || metadata.OfType<CallerKeyMetadata>().Any();
        var document = context.Document;

        OpenApiSecurityRequirement Requirement(params string[] schemes)
        {
            var requirement = new OpenApiSecurityRequirement();
            foreach (var scheme in schemes)
            {
                requirement[new OpenApiSecuritySchemeReference(scheme, document)] = [];
            }

            return requirement;
        }

        const string key = SecuritySchemesTransformer.CallerKey;
        const string bearer = SecuritySchemesTransformer.CallerBearer;
        const string token = SecuritySchemesTransformer.HypervisorToken;
        operation.Security = (target, callerKey) switch
        {
            ({ IsAgent: false }, _) =>
            [
                Requirement(key, token), Requirement(bearer, token),
                Requirement(key), Requirement(bearer), Requirement(token), Requirement(),
            ],
            (_, true) => [Requirement(key), Requirement(bearer), Requirement()],
            _ => [Requirement()],
        };
        return Task.CompletedTask;
    }
}
