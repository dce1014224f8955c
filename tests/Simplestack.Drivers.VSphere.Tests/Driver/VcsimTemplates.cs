using System.Runtime.CompilerServices;
using Simplestack.Core;
using Simplestack.Drivers.VSphere.Tests.Vcsim;

namespace Simplestack.Drivers.VSphere.Tests.Driver;

/// <summary>
/// vcsim's default inventory has no template: one per vcsim, made once (a powered-off VM with one
/// 1 GiB disk and a NIC on "VM Network", then MarkAsTemplate through the tests' own SOAP client).
/// </summary>
internal static class VcsimTemplates
{
    public const string Name = "ss-template";
    public const long DiskBytes = 1L << 30;

    private static readonly ConditionalWeakTable<VcsimProcess, Lazy<Task<string>>> Made = [];

    /// <summary>The template's config.uuid (its image id).</summary>
    public static Task<string> EnsureAsync(VcsimProcess vcsim) => Made.GetValue(vcsim, v => new Lazy<Task<string>>(() => MakeAsync(v))).Value;

    private static async Task<string> MakeAsync(VcsimProcess vcsim)
    {
        await using (var connection = await VcsimConnection.OpenAsync(vcsim))
        {
            await connection.CreateGuestAsync(new GuestCreateRequest(Name, 256, Disks: [new DiskSpec(1)], NetworkInterfaces: [new NicSpec("VM Network")]), CancellationToken.None);
        }

        using var probe = new VcsimProbe(vcsim);
        return probe.MarkAsTemplate(Name);
    }
}
