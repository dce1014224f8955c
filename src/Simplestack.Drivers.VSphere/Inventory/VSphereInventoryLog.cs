using Microsoft.Extensions.Logging;

namespace Simplestack.Drivers.VSphere.Inventory;

// The inventory's log lines (ids 410-419, beside the driver's 400s). They name the target and the
// error's kind and message, which never carry a session cookie or a credential.
internal static partial class VSphereInventoryLog
{
    [LoggerMessage(EventId = 410, Level = LogLevel.Information, Message = "vSphere guest inventory of {Target}: WaitForUpdatesEx failed ({Kind}: {Reason}); lists read in bulk until it is seeded again")]
    public static partial void Failed(ILogger logger, string target, string kind, string reason);

    [LoggerMessage(EventId = 411, Level = LogLevel.Warning, Message = "vSphere guest inventory of {Target} is off after {Strikes} refusals in a row: every list reads in bulk")]
    public static partial void Off(ILogger logger, string target, int strikes);
}
