using Simplestack.Core;

namespace Simplestack.Server.Endpoints;

/// <summary>
/// <c>GET .../guests?state=&amp;name=&amp;tag=</c>: which guests of the list to answer, applied to the list
/// the driver already serves (its inventory), never by asking the hypervisor once per guest.
/// Every filter given must hold (they combine with AND).
/// </summary>
public sealed record GuestListFilter(GuestState? State, string? NamePattern, string? Tag)
{
    /// <summary>The filters of a request, or null when none is given (the list is answered as it is).</summary>
    /// <exception cref="InvalidArgumentException">A state other than STARTED, STOPPED or PAUSED (any case).</exception>
    public static GuestListFilter? Parse(string? state, string? name, string? tag)
    {
        if (state is null && name is null && tag is null)
        {
            return null;
        }

        GuestState? wanted = null;
        if (state is not null)
        {
            wanted = state.ToUpperInvariant() switch
            {
                "STARTED" => GuestState.STARTED,
                "STOPPED" => GuestState.STOPPED,
                "PAUSED" => GuestState.PAUSED,
                _ => throw new InvalidArgumentException("state must be STARTED, STOPPED or PAUSED."),
            };
        }

        return new GuestListFilter(wanted, name, tag);
    }

    /// <summary>Whether the list must know each guest's tags (<see cref="IGuestListTags"/>).</summary>
    public bool NeedsTags => Tag is not null;

    /// <summary>Refuses (501) a tag filter on a connection whose list does not carry tags, rather than asking once per guest.</summary>
    public void CheckServedBy(IHypervisorConnection connection, string driverName)
    {
        if (NeedsTags && connection is not IGuestListTags)
        {
            throw new FeatureNotImplementedException(
                $"The {driverName} driver's guest list does not carry tags: filtering by tag is not built for it.");
        }
    }

    public bool Matches(Guest guest)
    {
        ArgumentNullException.ThrowIfNull(guest);
        return (State is null || guest.State == State)
            && (NamePattern is null || Glob.IsMatch(NamePattern, guest.Name))
            && (Tag is null || (guest.Tags?.Contains(Tag, StringComparer.Ordinal) ?? false));
    }

    public IReadOnlyList<Guest> Apply(IReadOnlyList<Guest> guests)
    {
        ArgumentNullException.ThrowIfNull(guests);
        return [.. guests.Where(Matches)];
    }
}

/// <summary>
/// Shell-style name patterns: <c>*</c> any run of characters (none included), <c>?</c> exactly one,
/// everything else itself (ordinal, case-sensitive); the whole name must match. Linear in practice
/// and never worse than pattern × name: no regular expression, so no pattern can make it backtrack away.
/// </summary>
public static class Glob
{
    public static bool IsMatch(string pattern, string text)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(text);
        int p = 0, t = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || (pattern[p] != '*' && pattern[p] == text[t])))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
