using Microsoft.Extensions.Options;
using Simplestack.Core;

namespace Simplestack.Server.Endpoints;

/// <summary>
/// <c>GET .../guests/{id}?wait_for=ip&amp;timeout=SECONDS</c>: reads the guest (the driver's own
/// <see cref="IHypervisorConnection.GetGuestAsync"/>, which reads its address sources) until it
/// reports an address, with a short backoff, and answers it; 504 past the timeout. Nothing is
/// kept between requests, so it works on every driver and behind any load balancer; the
/// request's abort ends the wait.
/// </summary>
public static class GuestWait
{
    public const string Ip = "ip";

    /// <summary>The first pause between reads; each next one is half as long again, up to <see cref="LongestPause"/>.</summary>
    public static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(200);

    public static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Checks <c>wait_for</c> and <c>timeout</c>: null when there is nothing to wait for, else the
    /// timeout (the configured default when absent).
    /// </summary>
    public static TimeSpan? Parse(string? waitFor, double? timeout, GuestWaitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (waitFor is null)
        {
            return timeout is null ? null : throw new InvalidArgumentException("timeout is only for wait_for=ip.");
        }

        if (!string.Equals(waitFor, Ip, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidArgumentException("wait_for must be 'ip'.");
        }

        if (timeout is null)
        {
            return TimeSpan.FromSeconds(options.DefaultWaitForSeconds);
        }

        if (!double.IsFinite(timeout.Value) || timeout.Value < 0 || timeout.Value > options.MaxWaitForSeconds)
        {
            throw new InvalidArgumentException($"timeout must be a number of seconds from 0 to {options.MaxWaitForSeconds}.");
        }

        return TimeSpan.FromSeconds(timeout.Value);
    }

    /// <summary>
    /// The guest once it has an address; <see cref="HypervisorTimeoutException"/> when none came
    /// within <paramref name="timeout"/>. Where the driver tells its guests' changes
    /// (<see cref="IGuestEvents"/>: the inventory re-reads a booting guest's addresses and tells
    /// the change), a change of this guest ends the pause at once; the reads with backoff remain
    /// for what no event tells.
    /// </summary>
    public static async Task<Guest> ForIpAsync(
        IHypervisorConnection connection, string guestId, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(time);
        var started = time.GetTimestamp();
        var guest = await connection.GetGuestAsync(guestId, cancellationToken);
        if (guest.Ip is not null)
        {
            return guest;
        }

        var id = guest.Id;
        var changed = NewSignal();
        using var subscription = connection is IGuestEvents events
            ? await events.SubscribeGuestEventsAsync(e => { if (e.Guest?.Id == id) { Volatile.Read(ref changed).TrySetResult(); } }, cancellationToken)
            : null;
        var pause = FirstPause;
        while (true)
        {
            var left = timeout - time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                throw new HypervisorTimeoutException(
                    $"Guest '{guest.Name}' reported no address within {timeout.TotalSeconds:0.###} s (state {guest.State}).");
            }

            // Whole milliseconds, rounded up: a timer given less than one fires at once, and the
            // last stretch before the deadline would then be spent reading the guest in a loop.
            var delay = pause < left ? pause : left;
            var woken = Volatile.Read(ref changed).Task;
            await Task.WhenAny(Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(delay.TotalMilliseconds)), time, cancellationToken), woken);
            cancellationToken.ThrowIfCancellationRequested();
            if (woken.IsCompleted)
            {
                Volatile.Write(ref changed, NewSignal()); // before the read: a change after it wakes the next pause
            }

            pause = TimeSpan.FromTicks(Math.Min(LongestPause.Ticks, pause.Ticks * 3 / 2));
            guest = await connection.GetGuestAsync(id, cancellationToken);
            if (guest.Ip is not null)
            {
                return guest;
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary><c>?wait_for=ip</c> (section <c>Simplestack</c>).</summary>
public sealed class GuestWaitOptions
{
    public const string Section = "Simplestack";

    /// <summary>The wait when <c>timeout</c> is not given.</summary>
    public int DefaultWaitForSeconds { get; set; } = 120;

    /// <summary>The longest <c>timeout</c> a request may ask for.</summary>
    public int MaxWaitForSeconds { get; set; } = 300;
}

/// <summary>Refuses, at start-up, negative waits or a default above the maximum.</summary>
internal sealed class GuestWaitOptionsValidator : IValidateOptions<GuestWaitOptions>
{
    public ValidateOptionsResult Validate(string? name, GuestWaitOptions options)
        => options.MaxWaitForSeconds < 0 || options.DefaultWaitForSeconds < 0 || options.DefaultWaitForSeconds > options.MaxWaitForSeconds
            ? ValidateOptionsResult.Fail("Simplestack:DefaultWaitForSeconds and MaxWaitForSeconds must not be negative, and the default not above the maximum.")
            : ValidateOptionsResult.Success;
}
