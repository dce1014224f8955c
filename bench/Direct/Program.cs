using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Simplestack.Libvirt;

// The limit for bench/run.sh: the libvirt calls behind GET /test/default/guests, made directly in
// process on the same test hypervisor (test:///default) with the same number of guests, through
// the same binding the gateway uses. Prints "DIRECT <benchmark> <guests> <median ns>" per case.
var config = ManualConfig.CreateMinimumViable()
    .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("short"))
    .WithOptions(ConfigOptions.DisableLogFile);
var summary = BenchmarkRunner.Run<ListCalls>(config, args);
foreach (var report in summary.Reports)
{
    var guests = report.BenchmarkCase.Parameters["Guests"];
    var median = report.ResultStatistics?.Median ?? double.NaN;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"DIRECT {report.BenchmarkCase.Descriptor.WorkloadMethod.Name} {guests} {median:0}"));
}

/// <summary>One list's libvirt calls on test:///default holding <see cref="Guests"/> guests.</summary>
public class ListCalls
{
    private LibvirtConnection _connection = null!;

    [Params(1, 1000, 10000)]
    public int Guests { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Libvirt.EnsureInitialized();
        _connection = LibvirtConnection.Open("test:///default"); // one guest built in: "test"
        for (var i = 1; i < Guests; i++)
        {
            _connection.DefineDomain($"<domain type='test'><name>bench-{i:D5}</name><memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>").Dispose();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _connection.Dispose(); // the last connection closing frees the test hypervisor's state

    /// <summary>The bulk read a list is made of: virConnectListAllDomains + virConnectGetAllDomainStats.</summary>
    [Benchmark(Baseline = true)]
    public int BulkListAndStats()
    {
        var domains = _connection.ListAllDomains();
        var stats = _connection.GetAllDomainStats(DomainStatsTypes.State | DomainStatsTypes.Balloon | DomainStatsTypes.Vcpu | DomainStatsTypes.Block);
        foreach (var record in stats)
        {
            record.Domain.Dispose();
        }

        foreach (var domain in domains)
        {
            domain.Dispose();
        }

        return domains.Count;
    }

    /// <summary>Everything a full guest object needs straight from libvirt: the list, then info, name, UUID and XML of each.</summary>
    [Benchmark]
    public int ListWithInfoAndXml()
    {
        var total = 0;
        foreach (var domain in _connection.ListAllDomains())
        {
            using (domain)
            {
                total += domain.GetInfo().VirtualCpus + domain.Name.Length + domain.Uuid.Length + domain.GetXmlDesc().Length;
            }
        }

        return total;
    }
}
