using Microsoft.Extensions.Logging;

namespace Simplestack.Drivers.XenApi;

// The inventory's log lines, beside the driver's (one class, ids 300-319). They name the target
// and the error's kind and message, which never carry a session or a credential.
internal static partial class XenApiLog
{
    [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "Xen guest inventory of {Target}: event.from failed ({Kind}: {Reason}); the next list reads the pool again")]
    public static partial void InventoryFailed(ILogger logger, string target, string kind, string reason);

    [LoggerMessage(EventId = 311, Level = LogLevel.Warning, Message = "Xen guest inventory of {Target} is off after {Strikes} failures of event.from in a row: every list reads the pool")]
    public static partial void InventoryOff(ILogger logger, string target, int strikes);
}
