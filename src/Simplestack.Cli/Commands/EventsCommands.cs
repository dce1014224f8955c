using System.CommandLine;

namespace Simplestack.Cli.Commands;

/// <summary><c>simplestack events</c>: follows the target's events, like <c>incus monitor</c>.</summary>
internal static class EventsCommands
{
    public static Command Build(SimplestackCli cli)
    {
        var since = new Option<string?>("--since") { Description = "Resume after this event id (the gateway answers resync when it no longer holds it)" };
        var count = new Option<int?>("--count") { Description = "Stop after this many events (default: follow until interrupted)" };
        var events = new Command("events", "Follow what happens to the target's guests, whoever does it (one line per event; --json: one JSON object per line)");
        events.Options.Add(since);
        events.Options.Add(count);
        cli.Action(events, async (context, ct) =>
        {
            var left = context.Get(count);
            var writer = context.Cli.Environment.Out;
            await foreach (var e in context.Client.Events.FollowAsync(context.Get(since), ct))
            {
                if (context.Structured)
                {
                    writer.WriteLine(e.Data.GetRawText());
                }
                else
                {
                    var time = e.Data.TryGetProperty("time", out var t) ? t.GetString() : null;
                    writer.WriteLine(string.Join(
                        '\t',
                        time ?? "-",
                        e.Type,
                        e.GuestName ?? "-",
                        e.GuestId ?? "-",
                        e.State ?? "-",
                        e.Id ?? "-"));
                }

                await writer.FlushAsync(ct);
                if (left is not null && --left <= 0)
                {
                    break;
                }
            }
        });
        return events;
    }
}
