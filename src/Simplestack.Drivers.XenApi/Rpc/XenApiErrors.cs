using Simplestack.Core;

namespace Simplestack.Drivers.XenApi.Rpc;

/// <summary>
/// The one table from XenAPI error codes to the domain's exceptions. Messages name the code and
/// the objects' classes and ids, never a session or a credential (the login's own parameters are
/// never echoed). Codes that are not listed answer 502 naming the code.
/// </summary>
public static class XenApiErrors
{
    public const string HandleInvalid = "HANDLE_INVALID";
    public const string UuidInvalid = "UUID_INVALID";
    public const string SessionInvalid = "SESSION_INVALID";
    public const string SessionAuthenticationFailed = "SESSION_AUTHENTICATION_FAILED";
    public const string HostIsSlave = "HOST_IS_SLAVE";
    public const string VmBadPowerState = "VM_BAD_POWER_STATE";
    public const string OtherOperationInProgress = "OTHER_OPERATION_IN_PROGRESS";
    public const string SrFull = "SR_FULL";
    public const string VlanTagInvalid = "VLAN_TAG_INVALID";
    public const string MapDuplicateKey = "MAP_DUPLICATE_KEY";

    /// <summary>The domain exception for <paramref name="failure"/>, which stays its inner exception.</summary>
    public static SimplestackException ToDomain(XenApiFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var (kind, message) = failure.Code switch
        {
            HandleInvalid => (ErrorKind.EntityNotFound, $"The {Class(Shown(failure, 0))} was not found (it may have just been deleted)."),
            UuidInvalid => (ErrorKind.EntityNotFound, $"{Class(Shown(failure, 0))} '{Shown(failure, 1)}' was not found."),
            VmBadPowerState => (ErrorKind.Conflict, $"The VM is {Shown(failure, 2)}; the operation needs it {Shown(failure, 1)} (VM_BAD_POWER_STATE)."),
            OtherOperationInProgress => (ErrorKind.Conflict, $"Another operation is in progress on the {Class(Shown(failure, 0))} (OTHER_OPERATION_IN_PROGRESS); try again."),
            "OPERATION_NOT_ALLOWED" => (ErrorKind.Conflict, $"XenAPI does not allow this now: {Shown(failure, 0)} (OPERATION_NOT_ALLOWED)."),
            "VM_IS_TEMPLATE" => (ErrorKind.Conflict, "The VM is a template (VM_IS_TEMPLATE)."),
            "NETWORK_CONTAINS_VIF" or "NETWORK_CONTAINS_PIF" => (ErrorKind.Conflict, $"The network is in use ({failure.Code})."),
            "MEMORY_CONSTRAINT_VIOLATION" => (ErrorKind.Conflict, $"The VM's memory limits do not allow this: {Shown(failure, 0)} (MEMORY_CONSTRAINT_VIOLATION)."),
            "HOST_NOT_ENOUGH_FREE_MEMORY" => (ErrorKind.Conflict, $"No host has the memory to start the VM: {Shown(failure, 0)} bytes needed, {Shown(failure, 1)} free (HOST_NOT_ENOUGH_FREE_MEMORY)."),
            "VDI_IN_USE" => (ErrorKind.Conflict, "The disk is in use (VDI_IN_USE)."),
            SessionAuthenticationFailed => (ErrorKind.Unauthorized, "The Xen pool refused the credentials (SESSION_AUTHENTICATION_FAILED)."),
            SrFull => (ErrorKind.Conflict, $"The storage repository is full: {Shown(failure, 0)} bytes asked, {Shown(failure, 1)} available (SR_FULL)."),
            "MAC_INVALID" => (ErrorKind.InvalidArguments, $"MAC address '{Shown(failure, 0)}' is not valid (MAC_INVALID)."),
            "INVALID_DEVICE" => (ErrorKind.InvalidArguments, $"Device '{Shown(failure, 0)}' is not valid (INVALID_DEVICE)."),
            "DEVICE_ALREADY_EXISTS" => (ErrorKind.Conflict, $"The VM already has device {Shown(failure, 0)} (DEVICE_ALREADY_EXISTS); try again."),
            "DEVICE_ALREADY_ATTACHED" or "DEVICE_ALREADY_DETACHED" => (ErrorKind.Conflict, $"The device is not in the state the operation needs ({failure.Code})."),
            "IMPORT_ERROR" or "IMPORT_ERROR_UNEXPECTED_FILE" or "IMPORT_ERROR_PREMATURE_EOF" or "IMPORT_ERROR_SOME_CHECKSUMS_FAILED"
                or "IMPORT_ERROR_FAILED_TO_FIND_OBJECT" or "IMPORT_INCOMPATIBLE_VERSION" or "IMPORT_ERROR_CANNOT_HANDLE_CHUNKED"
                => (ErrorKind.InvalidArguments, $"The Xen pool cannot import this body: it is not a whole XVA it can read ({failure.Code})."),
            "INVALID_VALUE" => (ErrorKind.InvalidArguments, $"The Xen pool refused a value: {Shown(failure, 0)} '{Shown(failure, 1)}' (INVALID_VALUE)."),
            "INVALID_IP_ADDRESS_SPECIFIED" => (ErrorKind.InvalidArguments, $"{Shown(failure, 0)}: an address is not valid (INVALID_IP_ADDRESS_SPECIFIED)."),
            VlanTagInvalid => (ErrorKind.InvalidArguments, $"VLAN tag '{Shown(failure, 0)}' is not valid (VLAN_TAG_INVALID)."),
            _ => (ErrorKind.HypervisorError, $"The Xen pool answered {failure.Code}."),
        };

        SimplestackException error = kind switch
        {
            ErrorKind.EntityNotFound => new EntityNotFoundException(message),
            ErrorKind.Conflict => new ConflictException(message),
            ErrorKind.InvalidArguments => new InvalidArgumentException(message),
            ErrorKind.Unauthorized => new UnauthorizedException(message),
            _ => new HypervisorErrorException(message, failure),
        };
        Links.AddOrUpdate(error, failure);
        return error;
    }

    /// <summary>The XenAPI failure behind a domain exception this table made, if any.</summary>
    public static XenApiFailure? FailureOf(Exception error)
        => error as XenApiFailure ?? (Links.TryGetValue(error, out var failure) ? failure : null);

    // The domain's 404/409/400/401 types take no inner exception: the failure is remembered beside them.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Exception, XenApiFailure> Links = [];

    /// <summary>A parameter fit for a message: XenAPI's refs (a session's among them) are replaced, never shown.</summary>
    private static string Shown(XenApiFailure failure, int index)
    {
        var value = failure.Parameter(index);
        return value.StartsWith("OpaqueRef:", StringComparison.Ordinal) ? "(a reference)" : value;
    }

    /// <summary>"VM" from "VM", "the object" when XenAPI named none; never a ref or a session.</summary>
    private static string Class(string name) => string.IsNullOrEmpty(name) ? "object" : name;
}
