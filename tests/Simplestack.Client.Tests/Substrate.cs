namespace Simplestack.Client.Tests;

/// <summary>
/// The gate of the tests that need the real QEMU substrate (<c>eng/substrate/up.sh</c>) and test guest
/// (<c>eng/guest/build.sh</c>), which run when <c>SIMPLESTACK_SUBSTRATE=1</c>. The rule is that of
/// <c>tests/Simplestack.IntegrationTests/Substrate.cs</c>: without it they skip locally, with the reason,
/// and FAIL in CI (<c>CI=true</c>, or <c>SIMPLESTACK_REQUIRE_SUBSTRATE=1</c>), where the substrate is part of the run.
/// </summary>
public static class Substrate
{
    public const string EnableVariable = "SIMPLESTACK_SUBSTRATE";

    public static bool Enabled => Environment.GetEnvironmentVariable(EnableVariable) == "1";

    /// <summary>CI must not skip these tests.</summary>
    public static bool Required =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
        || Environment.GetEnvironmentVariable("SIMPLESTACK_REQUIRE_SUBSTRATE") == "1";

    public const string Reason =
        "Needs the real QEMU substrate and test guest (eng/substrate/up.sh, eng/guest/build.sh), in its network namespace "
        + "(ip netns exec simplestack ...): set SIMPLESTACK_SUBSTRATE=1.";

    /// <summary>Call first in every substrate test: returns when enabled, else skips (locally) or fails (CI).</summary>
    public static void Require()
    {
        if (Enabled)
        {
            return;
        }

        if (Required)
        {
            Assert.Fail($"{Reason} CI=true (or SIMPLESTACK_REQUIRE_SUBSTRATE=1) does not allow skipping it.");
        }

        Assert.Skip(Reason);
    }
}
