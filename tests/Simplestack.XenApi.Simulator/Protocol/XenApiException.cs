namespace Simplestack.XenApi.Simulator.Protocol;

/// <summary>A XenAPI failure: the error code and its parameters, as both wire formats carry them.</summary>
public sealed class XenApiException : Exception
{
    public XenApiException(string code, params string[] parameters)
        : base(code + "(" + string.Join(", ", parameters) + ")")
    {
        Code = code;
        Parameters = parameters;
    }

    public XenApiException() : this("INTERNAL_ERROR") { }

    public XenApiException(string message, Exception innerException) : base(message, innerException)
    {
        Code = "INTERNAL_ERROR";
        Parameters = [message];
    }

    public string Code { get; } = "INTERNAL_ERROR";
    public IReadOnlyList<string> Parameters { get; } = [];
}
