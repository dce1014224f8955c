namespace Simplestack.Core;

/// <summary>
/// A request record that checks its own fields: shape and obvious ranges, each rule written once,
/// beside the field. The server runs it when it binds a body; a driver may run it on what it is
/// handed. Drivers still judge meaning (does the network exist, does the pool have room).
/// </summary>
public interface IValidatable
{
    /// <summary>Throws <see cref="InvalidArgumentException"/> (400) naming the first field that is wrong.</summary>
    void Validate();
}

/// <summary>The field rules request records share. Every failure is an <see cref="InvalidArgumentException"/> naming the field.</summary>
public static class FieldRules
{
    public const int MaxCpus = 4096;

    /// <summary>The largest memory a request may ask for, in MiB (16 TiB; far above any host).</summary>
    public const long MaxMemoryMiB = 16L * 1024 * 1024;

    /// <summary>The largest disk or volume size a request may ask for, in GiB (1 PiB).</summary>
    public const double MaxSizeGiB = 1024 * 1024;

    /// <summary>A string field that must be present and not blank.</summary>
    public static void Required(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidArgumentException($"{field} is required and must not be empty.");
        }
    }

    /// <summary>A string field that may be absent, but not blank.</summary>
    public static void NotBlankWhenGiven(string? value, string field)
    {
        if (value is not null && string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidArgumentException($"{field} must not be empty when given.");
        }
    }

    public static void MemoryMiB(long value, string field)
    {
        if (value is <= 0 or > MaxMemoryMiB)
        {
            throw new InvalidArgumentException($"{field} must be from 1 to {MaxMemoryMiB} (MiB).");
        }
    }

    public static void SizeGiB(double value, string field)
    {
        if (!double.IsFinite(value) || value <= 0 || value > MaxSizeGiB)
        {
            throw new InvalidArgumentException($"{field} must be a number greater than 0 and at most {MaxSizeGiB} (GiB).");
        }
    }

    public static void Cpus(int? value, string field)
    {
        if (value is { } cpus && cpus is < 1 or > MaxCpus)
        {
            throw new InvalidArgumentException($"{field} must be from 1 to {MaxCpus}.");
        }
    }

    /// <summary>A VLAN tag, 1 to 4094 (0 and 4095 are reserved by 802.1Q).</summary>
    public static void Vlan(int? value, string field)
    {
        if (value is { } vlan && vlan is < 1 or > 4094)
        {
            throw new InvalidArgumentException($"{field} must be from 1 to 4094.");
        }
    }

    /// <summary>Each item of a list through <paramref name="check"/>; a null item is refused ("must be an object").</summary>
    public static void Each<T>(IReadOnlyList<T?>? items, string field, Action<T, string> check)
        where T : class
    {
        if (items is null)
        {
            return;
        }

        for (var i = 0; i < items.Count; i++)
        {
            check(items[i] ?? throw new InvalidArgumentException($"{field}[{i}] must be an object."), $"{field}[{i}]");
        }
    }
}
