using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Simplestack.Core;

namespace Simplestack.Server.Consoles;

/// <summary>What a console ticket lets its bearer open, once, before <see cref="Expires"/>.</summary>
/// <param name="Caller">The name of the caller key that asked for it (null when no keys are configured).</param>
/// <param name="Credentials">The hypervisor credentials the asking request carried, if any.</param>
public sealed record ConsoleTicket(
    string Id,
    string Hypervisor,
    string Host,
    string GuestId,
    ConsoleType Type,
    bool Force,
    DateTimeOffset Expires,
    string? Caller,
    HypervisorCredentials? Credentials);

/// <summary>
/// Console tickets: a browser cannot put a key in a WebSocket's headers, so a caller with a key
/// asks <c>POST .../console/ticket</c> for a ticket and the browser passes it as <c>?ticket=</c>.
/// A ticket is sealed with AES-256-GCM under the configured key: authenticated (no one without the
/// key can make or alter one) and encrypted (it carries the hypervisor credentials of the asking
/// request, since a browser cannot send those either). Any gateway process with the same key
/// accepts it, with no shared store. Single use is enforced per process (a set of used ids kept
/// until they expire): a ticket replayed within its 30 s at another process of the same
/// deployment would be accepted there once more. The access log never writes query strings.
/// </summary>
public sealed class ConsoleTickets
{
    private const int KeyBytes = 32;
    private const int NonceBytes = 12; // AesGcm.NonceByteSizes.MaxSize
    private const int TagBytes = 16;
    private const int MaxTicketChars = 4096;
    private static readonly byte[] Purpose = "simplestack console ticket v1"u8.ToArray();

    private readonly byte[] _key;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _used = new(StringComparer.Ordinal);

    public ConsoleTickets(IOptions<ConsoleOptions> options, TimeProvider time)
    {
        _key = ParseKey(options.Value.TicketKey) ?? RandomNumberGenerator.GetBytes(KeyBytes);
        _lifetime = TimeSpan.FromSeconds(options.Value.TicketLifetimeSeconds);
        _time = time;
    }

    /// <summary>The configured key's 32 bytes, or null when it is missing or not base64 of 32 bytes.</summary>
    public static byte[]? ParseKey(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            return null;
        }

        var key = new byte[KeyBytes + 3];
        return Convert.TryFromBase64String(base64.Trim(), key, out var length) && length == KeyBytes ? key[..KeyBytes] : null;
    }

    /// <summary>A new ticket for one console of one guest, and when it expires.</summary>
    public (string Ticket, DateTimeOffset Expires) Issue(
        string hypervisor, string host, string guestId, ConsoleType type, bool force, string? caller, HypervisorCredentials? credentials)
    {
        var expires = _time.GetUtcNow() + _lifetime;
        var payload = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(payload))
        {
            json.WriteStartObject();
            json.WriteString("id", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
            json.WriteString("hv", hypervisor);
            json.WriteString("host", host);
            json.WriteString("guest", guestId);
            json.WriteString("type", type == ConsoleType.Vnc ? "vnc" : "serial");
            json.WriteBoolean("force", force);
            json.WriteNumber("exp", expires.ToUnixTimeMilliseconds());
            if (caller is not null)
            {
                json.WriteString("caller", caller);
            }

            if (credentials is not null)
            {
                json.WriteString("user", credentials.User);
                json.WriteString("password", credentials.Password);
            }

            json.WriteEndObject();
        }

        var plain = payload.WrittenSpan;
        var sealedTicket = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = sealedTicket.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(_key, TagBytes))
        {
            aes.Encrypt(nonce, plain, sealedTicket.AsSpan(NonceBytes, plain.Length), sealedTicket.AsSpan(NonceBytes + plain.Length), Purpose);
        }

        payload.Clear(); // zeroes the plain text (it holds the credentials)
        return (Base64Url.EncodeToString(sealedTicket), expires);
    }

    /// <summary>
    /// The ticket's content if it is genuine and unexpired and was not used before (it is used by
    /// this call); null otherwise, with why in <paramref name="problem"/> (never the ticket itself).
    /// </summary>
    public ConsoleTicket? Redeem(string presented, out string problem)
    {
        var ticket = Open(presented, out problem);
        if (ticket is null)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        if (ticket.Expires <= now)
        {
            problem = "The console ticket has expired; ask for a new one.";
            return null;
        }

        ForgetExpired(now);
        if (!_used.TryAdd(ticket.Id, ticket.Expires))
        {
            problem = "The console ticket was used already; ask for a new one.";
            return null;
        }

        return ticket;
    }

    private ConsoleTicket? Open(string presented, out string problem)
    {
        problem = "The console ticket is not valid.";
        if (presented.Length is 0 or > MaxTicketChars)
        {
            return null;
        }

        byte[] sealedTicket;
        try
        {
            sealedTicket = Base64Url.DecodeFromChars(presented);
        }
        catch (FormatException)
        {
            return null;
        }

        if (sealedTicket.Length <= NonceBytes + TagBytes)
        {
            return null;
        }

        var cipherLength = sealedTicket.Length - NonceBytes - TagBytes;
        var plain = new byte[cipherLength];
        try
        {
            using var aes = new AesGcm(_key, TagBytes);
            aes.Decrypt(
                sealedTicket.AsSpan(0, NonceBytes),
                sealedTicket.AsSpan(NonceBytes, cipherLength),
                sealedTicket.AsSpan(NonceBytes + cipherLength),
                plain,
                Purpose);
            return Parse(plain);
        }
        catch (Exception e) when (e is AuthenticationTagMismatchException or CryptographicException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    private static ConsoleTicket Parse(byte[] plain)
    {
        using var document = JsonDocument.Parse(plain);
        var root = document.RootElement;
        string Text(string name) => root.GetProperty(name).GetString() ?? throw new JsonException(name);
        string? Optional(string name) => root.TryGetProperty(name, out var value) ? value.GetString() : null;
        var user = Optional("user");
        return new ConsoleTicket(
            Text("id"),
            Text("hv"),
            Text("host"),
            Text("guest"),
            Text("type") == "vnc" ? ConsoleType.Vnc : ConsoleType.Serial,
            root.GetProperty("force").GetBoolean(),
            DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("exp").GetInt64()),
            Optional("caller"),
            user is null ? null : new HypervisorCredentials(user, Optional("password") ?? string.Empty));
    }

    /// <summary>Drops used ids past their expiry: an expired ticket is refused for that reason already.</summary>
    private void ForgetExpired(DateTimeOffset now)
    {
        foreach (var (id, expires) in _used)
        {
            if (expires <= now)
            {
                _used.TryRemove(id, out _);
            }
        }
    }

    /// <summary>Used ids held now (for tests).</summary>
    internal int UsedCount => _used.Count;
}
