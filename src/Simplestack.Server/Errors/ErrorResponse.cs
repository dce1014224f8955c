namespace Simplestack.Server.Errors;

/// <summary>
/// Every error answer: <c>{"error": "&lt;Kind&gt;", "message": "...", "status": N}</c>. The
/// <c>error</c> words keep the original Simplestack's (<c>EntityNotFound</c>, <c>FeatureNotImplemented</c>,
/// <c>FeatureNotAvailable</c>, <c>HypervisorError</c>) because its clients map them to exception classes.
/// </summary>
public sealed record ErrorResponse(string Error, string Message, int Status)
{
    /// <summary>The word for failures the server did not foresee (500).</summary>
    public const string InternalError = "InternalError";

    /// <summary>The word for a known route called with a method it does not serve (405).</summary>
    public const string MethodNotAllowed = "MethodNotAllowed";
}
