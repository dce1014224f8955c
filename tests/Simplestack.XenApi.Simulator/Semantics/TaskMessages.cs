using Simplestack.XenApi.Simulator.Model;
using Simplestack.XenApi.Simulator.Protocol;

namespace Simplestack.XenApi.Simulator.Semantics;

/// <summary>
/// Tasks: the ones "Async." calls return, which run the call in the background and finish with
/// progress 1 and the result as XML-RPC text (taskHelper.ml), and the ones clients make.
/// </summary>
internal static class TaskMessages
{
    public static void Register(Dictionary<string, Handler> handlers)
    {
        handlers["task.create"] = c => NewTask(c, c.String(0), c.String(1));
        handlers["task.cancel"] = c =>
        {
            var task = c.Record("task", 0);
            if ((string?)task["status"] == "pending")
            {
                task["status"] = "cancelled";
                task["finished"] = c.State.Now;
                c.Store.Touch("task", c.Ref(0));
            }
            return null;
        };
    }

    /// <summary>The steps in which an Async task's progress grows while it is pending.</summary>
    private const int ProgressSteps = 4;

    /// <summary>
    /// Makes the task for an Async call and runs the call off the caller's request. While it is
    /// pending its progress grows in steps, as xapi's long operations move theirs (VM.clone and
    /// VM.snapshot by the disks' share cloned, VDI.resize and imports as the storage reports),
    /// so a client polling the task sees it move; a task cancelled meanwhile does not run.
    /// </summary>
    public static string StartAsync(CallContext call, Handler handler)
    {
        var task = NewTask(call, "Async." + call.Method, "");
        _ = Task.Run(async () =>
        {
            var step = call.State.Options.AsyncTaskDelay / ProgressSteps;
            for (var done = 1; done < ProgressSteps; done++)
            {
                await Task.Delay(step).ConfigureAwait(false);
                lock (call.Store.Sync)
                {
                    if (!call.Store.Exists("task", task) || (string?)call.Store.Get("task", task)["status"] != "pending")
                    {
                        return;
                    }
                    call.Store.Get("task", task)["progress"] = (double)done / ProgressSteps;
                    call.Store.Touch("task", task);
                }
            }
            await Task.Delay(step).ConfigureAwait(false);
            lock (call.Store.Sync)
            {
                if (!call.Store.Exists("task", task) || (string?)call.Store.Get("task", task)["status"] != "pending")
                {
                    return;
                }
                var record = call.Store.Get("task", task);
                try
                {
                    var result = handler(call);
                    record["result"] = result is null ? "" : XmlRpc.Encode(result);
                    record["status"] = "success";
                }
                catch (XenApiException error)
                {
                    record["error_info"] = new List<object?> { error.Code }.Concat(error.Parameters).ToList();
                    record["status"] = "failure";
                }
                record["progress"] = 1.0;
                record["finished"] = call.State.Now;
                call.Store.Touch("task", task);
            }
        });
        return task;
    }

    public static string NewTask(CallContext call, string label, string description) =>
        call.Store.Create("task", new()
        {
            ["name_label"] = label,
            ["name_description"] = description,
            ["created"] = call.State.Now,
            ["status"] = "pending",
            ["progress"] = 0.0,
            ["resident_on"] = call.State.Master,
            ["type"] = "<none/>",
            ["other_config"] = new Dictionary<string, object?>(),
        });
}

/// <summary>
/// event.from: what changed since a token, waiting up to the timeout when nothing has
/// (xapi_event.ml). Like xapi, a wait ends with SESSION_INVALID as soon as its session is logged
/// out or expired, del events carry no snapshot, and a stopping pool ends every wait, as a killed
/// xapi drops its connections.
/// </summary>
internal static class EventMessages
{
    public static void Register(Dictionary<string, Handler> handlers)
    {
        // An artificial change of one object; its token lets a client start event.from at a known
        // point before it reads everything (Xen Orchestra's xen-api does so).
        handlers["event.inject"] = c =>
        {
            var cls = Schema.Classes.Keys.FirstOrDefault(k => string.Equals(k, c.String(0), StringComparison.OrdinalIgnoreCase))
                ?? throw new XenApiException(ErrorCodes.HANDLE_INVALID, c.String(0), c.Ref(1));
            c.Store.Get(cls, c.Ref(1));
            c.Store.Touch(cls, c.Ref(1));
            return Token(c.Store);
        };
    }

    private static string Token(Store.ObjectStore store) =>
        store.Generation.ToString("D20", System.Globalization.CultureInfo.InvariantCulture);

    public static async Task<object?> FromAsync(CallContext call)
    {
        var classes = Wire.AsList(call.Args[0]).Select(Wire.AsString).ToList();
        var wanted = classes.Contains("*") ? null
            : classes.Select(name => Schema.Classes.Keys.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)))
                .OfType<string>().ToHashSet(StringComparer.Ordinal);
        var tokenText = call.String(1);
        long since = 0;
        if (tokenText.Length > 0 && !long.TryParse(tokenText, out since))
        {
            throw new XenApiException("EVENT_FROM_TOKEN_PARSE_FAILURE", tokenText);
        }
        var deadline = call.State.Clock.GetUtcNow() + TimeSpan.FromSeconds(Math.Max(0, Wire.AsDouble(call.Args[2])));
        var stopping = call.State.Stopping;
        while (true)
        {
            Task next;
            TimeSpan left;
            lock (call.Store.Sync)
            {
                if (!call.State.Sessions.IsOpen(call.Session))
                {
                    throw new XenApiException(ErrorCodes.SESSION_INVALID, call.Session);
                }
                var changes = call.Store.ChangesSince(since, wanted);
                left = deadline - call.State.Clock.GetUtcNow();
                if (changes.Count > 0 || left <= TimeSpan.Zero)
                {
                    return Answer(call, changes, wanted);
                }
                next = call.Store.NextChange;
            }
            await Task.WhenAny(next, Task.Delay(left, stopping)).ConfigureAwait(false);
            stopping.ThrowIfCancellationRequested();
        }
    }

    private static Dictionary<string, object?> Answer(CallContext call, List<Store.StoreEvent> changes, HashSet<string>? wanted) => new()
    {
        ["events"] = changes.Select(e => (object?)Event(call, e)).ToList(),
        ["valid_ref_counts"] = (wanted ?? Schema.Classes.Keys.ToHashSet()).ToDictionary(
            c => c.ToLowerInvariant(), c => (object?)(long)call.Store.All(c).Count(), StringComparer.Ordinal),
        ["token"] = Token(call.Store),
    };

    private static Dictionary<string, object?> Event(CallContext call, Store.StoreEvent e)
    {
        var answer = new Dictionary<string, object?>
        {
            ["id"] = e.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["timestamp"] = Wire.FormatDateTime(call.State.Now),
            ["class"] = e.Class.ToLowerInvariant(), // xapi names classes in lower case in events
            ["operation"] = e.Operation,
            ["ref"] = e.Ref,
        };
        if (e.Snapshot is not null)
        {
            answer["snapshot"] = e.Snapshot;
        }
        return answer;
    }
}
