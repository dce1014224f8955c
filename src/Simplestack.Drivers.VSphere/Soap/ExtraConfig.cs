using System.Xml.Linq;
using Simplestack.Core.Idempotency;
using Simplestack.Core.Work;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere.Soap;

/// <summary>
/// The VM's <c>config.extraConfig</c> values the driver keeps its own records in: the idempotency
/// stamp of the request that made the VM, and the ledger of its keyed snapshots, disks and NICs.
/// vSphere removes a key set to "" (so "" reads as absent); vcsim 0.24 appends every value it is
/// sent instead of replacing the key's, so the last value of a key is the one that counts.
/// </summary>
public static class ExtraConfig
{
    public const string StampKey = "simplestack.idempotency";

    public const string LedgerKey = "simplestack.ledger";

    /// <summary>
    /// The <c>VirtualMachineConfigSpec</c> fields that come after <c>extraConfig</c> in the WSDL's
    /// order (govmomi's types.go), before which an extraConfig is put into a spec the server wrote
    /// (an import spec's configSpec).
    /// </summary>
    private static readonly HashSet<string> AfterExtraConfig =
    [
        "consoleFont", "swapPlacement", "bootOptions", "vAppConfig", "ftInfo", "repConfig", "vAppConfigRemoved",
        "vAssertsEnabled", "changeTrackingEnabled", "firmware", "maxMksConnections", "guestAutoLockEnabled", "managedBy",
        "memoryReservationLockedToMax", "nestedHVEnabled", "vPMCEnabled", "scheduledHardwareUpgradeInfo", "vmProfile",
        "messageBusTunnelEnabled", "crypto", "migrateEncryption", "sgxInfo", "ftEncryptionMode", "guestMonitoringModeInfo",
        "sevEnabled", "numaInfo", "pmemFailoverEnabled", "vmxStatsCollectionEnabled", "vmOpNotificationToAppEnabled",
    ];

    /// <summary>One <c>extraConfig</c> entry of a config spec ("" removes the key).</summary>
    public static XElement Option(string key, string value)
        => Typed("extraConfig", "OptionValue", E("key", key), new XElement(Ns + "value", new XAttribute(Xsi + "type", "xsd:string"), value));

    /// <summary>The stamp of the current keyed work, for the spec that makes a VM; nothing without a key.</summary>
    public static IEnumerable<XElement> StampOfCurrentWork()
        => WorkContext.Current?.Idempotency is { } stamp ? [Option(StampKey, stamp.ToString())] : [];

    /// <summary>
    /// For a clone's spec: the current work's stamp, else the source's removed, and the source's
    /// ledger removed (its snapshots, disks and NICs' keys are not the clone's).
    /// </summary>
    public static IReadOnlyList<XElement> ForClone()
        => [Option(StampKey, WorkContext.Current?.Idempotency?.ToString() ?? ""), Option(LedgerKey, "")];

    /// <summary>The value of <paramref name="key"/> in a <c>config.extraConfig</c> property (the last one given); null when absent or "".</summary>
    public static string? Value(XElement? extraConfig, string key)
    {
        var value = extraConfig?.Elements()
            .Where(o => o.ChildValue("key") == key)
            .Select(o => o.ChildValue("value"))
            .LastOrDefault();
        return string.IsNullOrEmpty(value) ? null : value;
    }

    /// <summary>The stamp a VM carries, if it carries one of ours.</summary>
    public static IdempotencyStamp? Stamp(XElement? extraConfig) => IdempotencyStamp.Parse(Value(extraConfig, StampKey));

    /// <summary>Puts <paramref name="options"/> into a config spec the server wrote, where the WSDL's order wants them.</summary>
    public static void InsertInto(XElement configSpec, IEnumerable<XElement> options)
    {
        var list = options.ToList();
        if (list.Count == 0)
        {
            return;
        }

        var after = configSpec.Elements().FirstOrDefault(e => AfterExtraConfig.Contains(e.Name.LocalName));
        if (after is null)
        {
            configSpec.Add(list);
        }
        else
        {
            after.AddBeforeSelf(list);
        }
    }
}
