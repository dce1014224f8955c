using System.Net.Sockets;
using Simplestack.Core;
using Simplestack.Drivers.Libvirt.Consoles;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

// Consoles (API.md §10): the serial console through virDomainOpenConsole into a libvirt stream
// (no port is opened), the graphical one through virDomainOpenGraphicsFD (a socket QEMU's VNC
// server speaks RFB on). Opening runs on the driver's call threads; the open console is read by
// libvirt's event loop (serial) or the socket's own asynchronous I/O (VNC), so it holds no call slot.
public abstract partial class LibvirtHypervisorConnection : IGuestConsole
{
    private const uint ConsoleForce = 1; // VIR_DOMAIN_CONSOLE_FORCE
    private const uint ConsoleSafe = 2;  // VIR_DOMAIN_CONSOLE_SAFE: refuse rather than share a console the driver cannot lock

    private static readonly IReadOnlySet<ConsoleType> MachineConsoles = new HashSet<ConsoleType> { ConsoleType.Serial, ConsoleType.Vnc };
    private static readonly IReadOnlySet<ConsoleType> ContainerConsoles = new HashSet<ConsoleType> { ConsoleType.Serial };

    /// <summary>QEMU: serial and VNC; LXC: its console only; the test hypervisor's guests have none.</summary>
    public IReadOnlySet<ConsoleType> ConsoleTypes => Flavor switch
    {
        LibvirtFlavor.Qemu => MachineConsoles,
        LibvirtFlavor.Lxc => ContainerConsoles,
        _ => new HashSet<ConsoleType>(),
    };

    public Task<Stream> OpenConsoleAsync(string guestId, ConsoleType type, bool force, CancellationToken cancellationToken)
    {
        if (!ConsoleTypes.Contains(type))
        {
            throw new FeatureNotAvailableException($"The {Target.Hypervisor} hypervisor's guests have no {type.ToString().ToLowerInvariant()} console.");
        }

        return _calls.RunAsync(() =>
        {
            using var domain = FindDomain(guestId);
            if (!domain.IsActive)
            {
                throw new ConflictException($"Guest '{domain.Name}' is not running: it has no console to open.");
            }

            return type == ConsoleType.Vnc ? OpenGraphics(domain) : OpenSerial(domain, force);
        }, cancellationToken);
    }

    private Stream OpenSerial(LibvirtDomain domain, bool force)
    {
        if (!Simplestack.Libvirt.Libvirt.IsEventLoopRunning)
        {
            throw new FeatureNotAvailableException("Serial consoles need libvirt's event loop, which this process has not started.");
        }

        // libvirt's LXC driver takes no flags, and shares a container's console between openers.
        var flags = Flavor == LibvirtFlavor.Lxc ? 0 : ConsoleSafe | (force ? ConsoleForce : 0);
        var stream = Native.NewStream(LibvirtStream.NonBlocking);
        try
        {
            domain.OpenConsole(null, stream, flags);
            return new SerialConsoleStream(stream);
        }
        catch (LibvirtException error) when (error.Code == LibvirtErrorCode.OperationFailed && !force)
        {
            stream.Dispose();
            throw new ConflictException(
                $"The serial console of guest '{domain.Name}' is in use by another session; open it with force=true to take it over. ({error.Message})");
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static Stream OpenGraphics(LibvirtDomain domain)
    {
        Socket socket;
        try
        {
            socket = domain.OpenGraphicsSocket(index: 0, skipAuth: true);
        }
        catch (LibvirtException error) when (error.Code is LibvirtErrorCode.InternalError or LibvirtErrorCode.OperationInvalid or LibvirtErrorCode.ConfigUnsupported)
        {
            throw new FeatureNotAvailableException($"Guest '{domain.Name}' has no graphical console to open: {error.Message}");
        }

        return new NetworkStream(socket, ownsSocket: true);
    }
}
