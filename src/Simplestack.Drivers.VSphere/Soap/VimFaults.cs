using System.Runtime.CompilerServices;
using Simplestack.Core;

namespace Simplestack.Drivers.VSphere.Soap;

/// <summary>
/// The one table from vSphere fault types to the domain's exceptions. Messages name the fault and
/// the fields a person needs (a state, a property, an object's type), never a fault's own string
/// (it may echo a Login's arguments), a session cookie or a credential. Types that are not listed
/// answer 502 naming the type.
/// </summary>
public static class VimFaults
{
    public const string InvalidLogin = "InvalidLogin";
    public const string NotAuthenticated = "NotAuthenticated";
    public const string ManagedObjectNotFound = "ManagedObjectNotFound";
    public const string InvalidPowerState = "InvalidPowerState";
    public const string TaskInProgress = "TaskInProgress";
    public const string InvalidArgument = "InvalidArgument";
    public const string InvalidRequest = "InvalidRequest";
    public const string DuplicateName = "DuplicateName";
    public const string MethodNotFound = "MethodNotFound";
    public const string ToolsUnavailable = "ToolsUnavailable";

    /// <summary>The domain exception for <paramref name="fault"/>, which stays linked to it (<see cref="FaultOf"/>).</summary>
    public static SimplestackException ToDomain(VimFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        var type = fault.FaultType;
        var (kind, message) = type switch
        {
            InvalidLogin => (ErrorKind.Unauthorized, "The vSphere server refused the user name or password (InvalidLogin)."),
            NotAuthenticated => (ErrorKind.Unauthorized, "The vSphere server did not accept the session, even after logging in again (NotAuthenticated)."),
            ManagedObjectNotFound => (ErrorKind.EntityNotFound, $"The {Named(ObjectType(fault), "object")} was not found (it may have just been deleted) (ManagedObjectNotFound)."),
            InvalidPowerState => (ErrorKind.Conflict, $"The VM is {Named(fault.Field("existingState"), "in another power state")}; the operation needs it {Named(fault.Field("requestedState"), "otherwise")} (InvalidPowerState)."),
            TaskInProgress => (ErrorKind.Conflict, "Another task is running on this object (TaskInProgress); try again."),
            "ConcurrentAccess" => (ErrorKind.Conflict, "The configuration changed while this change was made (ConcurrentAccess); try again."),
            "InvalidState" or "InvalidDatastoreState" or "InvalidHostState" => (ErrorKind.Conflict, $"The object is not in a state that allows this ({type})."),
            ToolsUnavailable => (ErrorKind.Conflict, "The guest's VMware Tools are not running, so it cannot be asked to shut down or reboot (ToolsUnavailable); use force."),
            DuplicateName or "AlreadyExists" or "FileAlreadyExists" => (ErrorKind.Conflict, $"The name is taken ({type})."),
            "FileNotFound" => (ErrorKind.EntityNotFound, "The file was not found on the datastore (it may have just been deleted) (FileNotFound)."),
            "FileLocked" or "InvalidDeviceOperation" => (ErrorKind.Conflict, $"The disk or file is in use or cannot change in its present state ({type})."),
            "InvalidDatastore" or "InvalidDatastorePath" => (ErrorKind.InvalidArguments, $"The vSphere server refused the datastore or its path ({type})."),
            "ResourceInUse" => (ErrorKind.Conflict, "The object is in use (ResourceInUse): a VM is on this network, or another object needs it."),
            InvalidArgument => (ErrorKind.InvalidArguments, $"The vSphere server refused an argument{Property(fault)} (InvalidArgument)."),
            InvalidRequest or "InvalidName" or "InvalidDeviceSpec" or "InvalidType" => (ErrorKind.InvalidArguments, $"The vSphere server refused the request ({type})."),
            MethodNotFound => (ErrorKind.FeatureNotAvailable, $"This vSphere server does not offer {fault.Method} (MethodNotFound)."),
            "NotSupported" or "NotImplemented" => (ErrorKind.FeatureNotAvailable, $"This vSphere server cannot do {fault.Method} ({type})."),
            _ => (ErrorKind.HypervisorError, $"The vSphere server answered {fault.Method} with the fault {type}."),
        };

        SimplestackException error = kind switch
        {
            ErrorKind.Unauthorized => new UnauthorizedException(message),
            ErrorKind.EntityNotFound => new EntityNotFoundException(message),
            ErrorKind.Conflict => new ConflictException(message),
            ErrorKind.InvalidArguments => new InvalidArgumentException(message),
            ErrorKind.FeatureNotAvailable => new FeatureNotAvailableException(message),
            _ => new HypervisorErrorException(message, fault),
        };
        Links.AddOrUpdate(error, fault);
        return error;
    }

    /// <summary>The vSphere fault behind a domain exception this table made, if any.</summary>
    public static VimFault? FaultOf(Exception error)
        => error as VimFault ?? (Links.TryGetValue(error, out var fault) ? fault : null);

    // The domain's 4xx types take no inner exception: the fault is remembered beside them.
    private static readonly ConditionalWeakTable<Exception, VimFault> Links = [];

    /// <summary>The managed object type a ManagedObjectNotFound names (<c>VirtualMachine</c>), never its id.</summary>
    private static string ObjectType(VimFault fault) => (string?)fault.Detail?.Child("obj")?.Attribute("type") ?? "";

    private static string Property(VimFault fault)
    {
        var property = fault.Field("invalidProperty");
        return property.Length == 0 ? "" : $" ({Shown(property)})";
    }

    private static string Named(string value, string otherwise) => value.Length == 0 ? otherwise : Shown(value);

    /// <summary>A field fit for a message: short, one line.</summary>
    private static string Shown(string value)
    {
        var line = value.ReplaceLineEndings(" ");
        return line.Length <= 80 ? line : line[..80] + "…";
    }
}
