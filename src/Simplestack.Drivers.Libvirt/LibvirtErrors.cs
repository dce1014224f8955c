using Simplestack.Core;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

/// <summary>Turns libvirt's error codes into the domain's error family (one table).</summary>
internal static class LibvirtErrors
{
    public static SimplestackException Translate(LibvirtException error, string hypervisor)
    {
        var message = error.Message;
        return error.Code switch
        {
            LibvirtErrorCode.NoDomain or LibvirtErrorCode.NoNetwork or LibvirtErrorCode.NoStoragePool
                or LibvirtErrorCode.NoStorageVol or LibvirtErrorCode.NoDomainSnapshot or LibvirtErrorCode.NoNwfilter
                or LibvirtErrorCode.DeviceMissing or LibvirtErrorCode.NoDomainMetadata
                => new EntityNotFoundException(message),
            // Two creates of one name racing: libvirt reports the loser as "operation failed: ... already exists".
            LibvirtErrorCode.OperationFailed when message.Contains("already exists", StringComparison.Ordinal)
                => new ConflictException(message),
            LibvirtErrorCode.DomExist or LibvirtErrorCode.NetworkExist or LibvirtErrorCode.StorageVolExist
                or LibvirtErrorCode.OperationInvalid or LibvirtErrorCode.ResourceBusy or LibvirtErrorCode.BlockCopyActive
                => new ConflictException(message),
            LibvirtErrorCode.InvalidArg or LibvirtErrorCode.InvalidMac or LibvirtErrorCode.XmlDetail
                or LibvirtErrorCode.ConfigUnsupported or LibvirtErrorCode.XmlInvalidSchema
                => new InvalidArgumentException(message),
            LibvirtErrorCode.NoSupport or LibvirtErrorCode.ArgumentUnsupported or LibvirtErrorCode.OperationUnsupported
                => new FeatureNotAvailableException($"The {hypervisor} hypervisor cannot do this: {message}"),
            LibvirtErrorCode.AuthFailed or LibvirtErrorCode.AuthCancelled or LibvirtErrorCode.AuthUnavailable
                => new SimplestackException(ErrorKind.Unauthorized, $"The {hypervisor} hypervisor refused the credentials."),
            LibvirtErrorCode.OperationTimeout or LibvirtErrorCode.AgentUnresponsive
                => new HypervisorTimeoutException(message, error),
            LibvirtErrorCode.NoConnect or LibvirtErrorCode.InvalidConn or LibvirtErrorCode.Rpc
                or LibvirtErrorCode.UnknownHost or LibvirtErrorCode.Ssh or LibvirtErrorCode.Libssh
                or LibvirtErrorCode.GnutlsError or LibvirtErrorCode.NoServer
                => new HypervisorUnavailableException($"The {hypervisor} hypervisor cannot be reached: {message}", error),
            _ => new HypervisorErrorException(message, error),
        };
    }
}
