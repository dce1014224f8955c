using Microsoft.Extensions.Options;

namespace Simplestack.Server.Targets;

/// <summary>Which targets callers may name (section <c>Simplestack</c>).</summary>
public sealed class TargetOptions
{
    public const string Section = "Simplestack";

    /// <summary>
    /// Targets the gateway may connect to (<c>hypervisor/host[:port]</c>, CIDR blocks and
    /// <c>*.domain</c> wildcards; see <see cref="AllowList"/>). Empty or absent: <see cref="AllowList.Defaults"/>.
    /// </summary>
    public IList<string> AllowedTargets { get; } = [];
}

/// <summary>The staging agent routes (<c>/host/{hostname}/</c>; section <c>Simplestack:Agent</c>).</summary>
public sealed class AgentOptions
{
    public const string Section = "Simplestack:Agent";

    /// <summary>The one local target the staging agent routes act on, as <c>hypervisor/host</c>.</summary>
    public string Target { get; set; } = "kvm/localhost";
}

/// <summary>Refuses, at start-up, an allow-list entry that does not parse, naming it.</summary>
internal sealed class TargetOptionsValidator : IValidateOptions<TargetOptions>
{
    public ValidateOptionsResult Validate(string? name, TargetOptions options)
    {
        try
        {
            AllowList.Parse(options.AllowedTargets);
            return ValidateOptionsResult.Success;
        }
        catch (FormatException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }
}
