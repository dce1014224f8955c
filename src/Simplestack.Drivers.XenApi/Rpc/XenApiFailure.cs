namespace Simplestack.Drivers.XenApi.Rpc;

/// <summary>
/// An error answer from XenAPI: its code (<c>HANDLE_INVALID</c>, <c>VM_BAD_POWER_STATE</c>...)
/// and parameters. Internal to the driver: <see cref="XenApiErrors.ToDomain"/> turns it into the
/// domain's exception before it leaves a call, keeping it as the inner exception so the session
/// can still see the code (<c>SESSION_INVALID</c>, <c>HOST_IS_SLAVE</c>).
/// </summary>
public sealed class XenApiFailure(string code, IReadOnlyList<string> parameters)
    : Exception($"XenAPI error {code}")
{
    public string Code { get; } = code;

    public IReadOnlyList<string> Parameters { get; } = parameters;

    /// <summary>The parameter at <paramref name="index"/>, or an empty string.</summary>
    public string Parameter(int index) => index < Parameters.Count ? Parameters[index] : "";
}
