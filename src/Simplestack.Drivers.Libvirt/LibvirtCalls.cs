using System.Runtime.CompilerServices;
using Simplestack.Core;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

/// <summary>
/// Runs blocking libvirt calls under the driver platform's <see cref="HypervisorCallPolicy"/>
/// (slots, timeout, dead-connection rule, metrics), on <see cref="BlockingCallThreads"/> rather
/// than the shared thread pool, so a hung daemon holds threads of its own only. libvirt errors are
/// thread-local: the binding reads them in the same synchronous block as the failing call, and
/// the call thread translates the resulting <see cref="LibvirtException"/> into the domain's error.
/// </summary>
internal sealed class LibvirtCalls(string hypervisor, int maxConcurrency, TimeSpan timeout)
{
    private readonly HypervisorCallPolicy _policy = new(hypervisor, maxConcurrency, timeout);
    private readonly BlockingCallThreads _threads = new($"libvirt {hypervisor}");

    public int MaxConcurrency => _policy.MaxConcurrency;

    /// <summary>Once set (after the connection opened), a failure on a connection that is no longer alive answers 503.</summary>
    public Func<bool>? IsAlive
    {
        get => _policy.IsAlive;
        set => _policy.IsAlive = value;
    }

    public Task RunAsync(Action work, CancellationToken cancellationToken, [CallerMemberName] string operation = "")
        => RunAsync<object?>(() => { work(); return null; }, cancellationToken, operation);

    public Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken, [CallerMemberName] string operation = "")
        => _policy.RunAsync(
            () => _threads.Run(() =>
            {
                try
                {
                    return work();
                }
                catch (LibvirtException error)
                {
                    throw LibvirtErrors.Translate(error, hypervisor);
                }
                catch (ObjectDisposedException error) when (IsAlive is { } alive && !alive())
                {
                    // The pool closes a connection it finds dead while other requests are still
                    // on it: their next call meets a closed handle, which is the hypervisor gone.
                    throw new HypervisorUnavailableException($"The {hypervisor} hypervisor closed the connection during the call.", error);
                }
            }),
            operation,
            cancellationToken);
}
