using Microsoft.Extensions.Options;
using Simplestack.Core;
using Simplestack.Server.Consoles;
using Simplestack.Server.Tests.Unit;

namespace Simplestack.Server.Tests.Consoles;

public sealed class ConsoleTicketsTests
{
    private static readonly string Key = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)i).ToArray());
    private readonly ManualTimeProvider _time = new();

    private ConsoleTickets Tickets(string? key = null)
        => new(Options.Create(new ConsoleOptions { TicketKey = key ?? Key }), _time);

    [Fact]
    public void A_ticket_carries_what_it_was_issued_for_and_is_redeemed_once()
    {
        var (ticket, expires) = Tickets().Issue("kvm", "h1", "web1", ConsoleType.Vnc, force: true, "ops", new HypervisorCredentials("root", "password-in-the-clear:1"));
        Assert.Equal(_time.GetUtcNow().AddSeconds(30), expires);
        // Sealed, not merely encoded: the password's bytes are nowhere in the ticket's.
        var bytes = System.Buffers.Text.Base64Url.DecodeFromChars(ticket);
        Assert.Equal(-1, bytes.AsSpan().IndexOf("password-in-the-clear"u8));
        Assert.Equal(-1, bytes.AsSpan().IndexOf("web1"u8));

        var tickets = Tickets();
        var redeemed = tickets.Redeem(ticket, out _);
        Assert.NotNull(redeemed);
        Assert.Equal(("kvm", "h1", "web1", ConsoleType.Vnc, true, "ops"), (redeemed.Hypervisor, redeemed.Host, redeemed.GuestId, redeemed.Type, redeemed.Force, redeemed.Caller));
        Assert.Equal(("root", "password-in-the-clear:1"), (redeemed.Credentials!.User, redeemed.Credentials.Password));

        Assert.Null(tickets.Redeem(ticket, out var problem));
        Assert.Contains("used", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_processs_key_an_altered_ticket_and_an_expired_one_are_refused()
    {
        var (ticket, _) = Tickets().Issue("kvm", "h1", "web1", ConsoleType.Serial, force: false, null, null);
        Assert.Null(Tickets(Convert.ToBase64String(new byte[32])).Redeem(ticket, out _));
        Assert.Null(Tickets().Redeem(ticket[..^2] + (ticket[^2] == 'x' ? "y" : "x") + ticket[^1], out _));
        Assert.Null(Tickets().Redeem(string.Empty, out _));
        Assert.Null(Tickets().Redeem(new string('A', 5000), out _));

        var tickets = Tickets();
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Null(tickets.Redeem(ticket, out var problem));
        Assert.Contains("expired", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Used_ids_are_forgotten_once_expired()
    {
        var tickets = Tickets();
        Assert.NotNull(tickets.Redeem(tickets.Issue("kvm", "h1", "a", ConsoleType.Serial, false, null, null).Ticket, out _));
        Assert.Equal(1, tickets.UsedCount);
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.NotNull(tickets.Redeem(tickets.Issue("kvm", "h1", "b", ConsoleType.Serial, false, null, null).Ticket, out _));
        Assert.Equal(1, tickets.UsedCount);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("AAAA")]
    public void A_configured_key_must_be_32_bytes(string key)
        => Assert.True(new ConsoleOptionsValidator().Validate(null, new ConsoleOptions { TicketKey = key }).Failed);
}
