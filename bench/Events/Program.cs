// The events stream measured end to end: domains defined and undefined on libvirtd directly (as
// virsh would), each change seen by N subscribers of the gateway's GET /kvm/localhost/events.
// Latency is from the libvirt call's return (the daemon has emitted its event by then) to the
// subscriber reading the event; throughput is events delivered per second over all subscribers.
//
//   Events --gateway http://127.0.0.1:18080 --subscribers 100 --seconds 5 [--rate 20]
//
// --rate paces the changes (changes per second) for the latency figure; --rate 0 makes them as
// fast as one caller can, for throughput. Prints one line: "events subscribers=... mode=...".
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Simplestack.Libvirt;

var options = Args.Parse(args);
using var http = new HttpClient { BaseAddress = new Uri(options.Gateway), Timeout = Timeout.InfiniteTimeSpan };
var made = new ConcurrentDictionary<string, long>(); // "guest.created:NAME" / "guest.deleted:NAME" -> timestamp of the call's return
var seen = new ConcurrentDictionary<string, byte>(); // those keys any subscriber received (what none was told of is reported)
var latencies = new ConcurrentBag<double>();
long delivered = 0;
long resyncs = 0;
var prefix = $"ssev-{Environment.ProcessId}-";
const int RoundSize = 25;
using var stop = new CancellationTokenSource();

var subscribers = new List<Task>();
var ready = new CountdownEvent(options.Subscribers);
for (var i = 0; i < options.Subscribers; i++)
{
    subscribers.Add(Task.Run(() => SubscribeAsync(stop.Token)));
}

if (!ready.Wait(TimeSpan.FromSeconds(30)))
{
    Console.Error.WriteLine("events: subscribers did not all connect");
    return 1;
}

using var libvirt = LibvirtConnection.Open(options.Uri);
var run = Stopwatch.StartNew();
var changes = 0;
for (var round = 0; run.Elapsed < TimeSpan.FromSeconds(options.Seconds); round++)
{
    // Rounds of defines, then undefines: each domain lives while its round runs. (A domain defined
    // and undefined at once can pass between two of the inventory's reads, and with it its events:
    // the stream tells states the gateway saw, as its lists do.)
    var names = Enumerable.Range(0, RoundSize).Select(i => $"{prefix}{round}-{i}").ToList();
    foreach (var name in names)
    {
        libvirt.DefineDomain($"<domain type='qemu'><name>{name}</name><memory unit='MiB'>32</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>").Dispose();
        made[$"guest.created:{name}"] = Stopwatch.GetTimestamp();
        Pace(ref changes);
    }

    foreach (var name in names)
    {
        using (var domain = libvirt.TryLookupDomainByName(name))
        {
            domain?.Undefine();
        }

        made[$"guest.deleted:{name}"] = Stopwatch.GetTimestamp();
        Pace(ref changes);
    }
}

var expected = (long)changes * options.Subscribers;
var drain = Stopwatch.StartNew();
while (Interlocked.Read(ref delivered) < expected && drain.Elapsed < TimeSpan.FromSeconds(10))
{
    Thread.Sleep(20);
}

var elapsed = run.Elapsed.TotalSeconds;
stop.Cancel();
await Task.WhenAll(subscribers).ContinueWith(_ => { }, TaskScheduler.Default);
var missing = made.Keys.Where(k => !seen.ContainsKey(k)).ToList();
if (missing.Count > 0)
{
    Console.Error.WriteLine($"events: never received: {missing.Count(k => k.StartsWith("guest.created", StringComparison.Ordinal))} created, "
        + $"{missing.Count(k => k.StartsWith("guest.deleted", StringComparison.Ordinal))} deleted (e.g. {string.Join(", ", missing.Take(4))})");
}

var sorted = latencies.Order().ToArray();
double Percentile(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"events subscribers={options.Subscribers} mode={(options.Rate > 0 ? $"paced-{options.Rate}/s" : "flood")} changes={changes} " +
    $"delivered={Interlocked.Read(ref delivered)} expected={expected} seconds={elapsed:0.00} changes_per_s={changes / elapsed:0} " +
    $"events_per_s={Interlocked.Read(ref delivered) / elapsed:0} p50_ms={Percentile(0.50):0.00} p99_ms={Percentile(0.99):0.00} max_ms={Percentile(1):0.00} resyncs={Interlocked.Read(ref resyncs)}"));
return Interlocked.Read(ref delivered) == expected ? 0 : 2;

void Pace(ref int count)
{
    count++;
    if (options.Rate > 0)
    {
        var due = TimeSpan.FromSeconds((double)count / options.Rate);
        var wait = due - run.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            Thread.Sleep(wait);
        }
    }
}

async Task SubscribeAsync(CancellationToken cancellationToken)
{
    using var response = await http.GetAsync("/kvm/localhost/events", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    response.EnsureSuccessStatusCode();
    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
    var signalled = false;
    string? type = null;
    try
    {
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!signalled && line.StartsWith(": subscribed", StringComparison.Ordinal))
            {
                signalled = true;
                ready.Signal();
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line[7..];
                if (type == "resync")
                {
                    Interlocked.Increment(ref resyncs); // the gateway lost track: what it missed is not told
                }
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && type is "guest.created" or "guest.deleted")
            {
                var now = Stopwatch.GetTimestamp();
                using var data = JsonDocument.Parse(line[6..]);
                var name = data.RootElement.GetProperty("guest").GetProperty("name").GetString();
                if (name is not null && name.StartsWith(prefix, StringComparison.Ordinal))
                {
                    // The call's return is recorded just after it; an event may overtake that record.
                    var key = $"{type}:{name}";
                    var spin = Stopwatch.StartNew();
                    long at;
                    while (!made.TryGetValue(key, out at) && spin.ElapsedMilliseconds < 1000)
                    {
                        Thread.Yield();
                    }

                    seen.TryAdd(key, 0);
                    latencies.Add(Math.Max(0, Stopwatch.GetElapsedTime(at, now).TotalMilliseconds));
                    Interlocked.Increment(ref delivered);
                }
            }
        }
    }
    catch (OperationCanceledException)
    {
    }
}

internal sealed record Args(string Gateway, string Uri, int Subscribers, double Seconds, double Rate)
{
    public static Args Parse(string[] args)
    {
        string Value(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }

        return new Args(
            Value("--gateway", "http://127.0.0.1:18080"),
            Value("--uri", "qemu:///system"),
            int.Parse(Value("--subscribers", "1"), CultureInfo.InvariantCulture),
            double.Parse(Value("--seconds", "5"), CultureInfo.InvariantCulture),
            double.Parse(Value("--rate", "20"), CultureInfo.InvariantCulture));
    }
}
