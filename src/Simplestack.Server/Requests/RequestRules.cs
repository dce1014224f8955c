using Simplestack.Core;

namespace Simplestack.Server.Requests;

/// <summary>
/// Runs a bound body's own rules: every request record, Core's and the server's own
/// (WireRequests.cs), checks itself through <see cref="IValidatable"/>, so each rule is
/// written once, beside its field. A failure is a 400 <see cref="InvalidArgumentException"/>.
/// </summary>
public static class RequestRules
{
    /// <summary>Applies the rules of whatever request <paramref name="body"/> is (bodies without rules pass).</summary>
    public static void Check(object body) => (body as IValidatable)?.Validate();

    /// <summary>Checks <paramref name="request"/> and returns it, for requests the server builds itself (the agent's).</summary>
    public static T Validated<T>(T request)
        where T : IValidatable
    {
        request.Validate();
        return request;
    }
}
