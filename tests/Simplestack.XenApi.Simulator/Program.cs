using System.Globalization;
using Simplestack.XenApi.Simulator;

// Runs a simulated XenAPI pool in the foreground until SIGTERM or Ctrl+C.
// Usage: Simplestack.XenApi.Simulator PORT [--vms N] [--no-sample-vms] [--user U --password P] [--http-port P] [--session-lifetime SECONDS]
var options = new SimulatorOptions();
if (args.Length == 0 || !int.TryParse(args[0], CultureInfo.InvariantCulture, out var port))
{
    Console.Error.WriteLine("usage: Simplestack.XenApi.Simulator PORT [--vms N] [--no-sample-vms] [--user U --password P] [--http-port P] [--session-lifetime SECONDS]");
    return 2;
}
options = options with { Port = port };
for (var i = 1; i < args.Length; i += 2)
{
    if (args[i] == "--no-sample-vms")
    {
        options = options with { SampleVms = false };
        i--; // a flag: no value follows
        continue;
    }

    var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException("no value after " + args[i]);
    options = args[i] switch
    {
        "--vms" => options with { ExtraVms = int.Parse(value, CultureInfo.InvariantCulture) },
        "--user" => options with { User = value },
        "--password" => options with { Password = value },
        "--http-port" => options with { HttpPort = int.Parse(value, CultureInfo.InvariantCulture) },
        "--session-lifetime" => options with { SessionIdleLifetime = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)) },
        _ => throw new ArgumentException("unknown option " + args[i]),
    };
}

using var stop = new CancellationTokenSource();
using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };

await using var simulator = await XenApiSimulator.StartAsync(options, stop.Token);
Console.WriteLine(simulator.Url);
Console.Out.Flush();
Console.Error.WriteLine($"xenapi simulator: master {simulator.Url}, member {simulator.SlaveUrl}, certificate sha256 {simulator.CertificateSha256}");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}
return 0;
