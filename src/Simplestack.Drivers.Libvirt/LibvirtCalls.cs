using Simplestack.Core;
using Simplestack.Libvirt;

namespace Simplestack.Drivers.Libvirt;

/// <summary>
/// Runs blocking libvirt calls off the request threads, at most <see cref="MaxConcurrency"/> at a
/// time per connection, so a slow hypervisor cannot starve the server. libvirt errors are
/// thread-local: the binding reads them in the same synchronous block as the failing call, and
/// this class only translates the resulting <see cref="LibvirtException"/>.
/// </summary>
internal sealed class LibvirtCalls(string hypervisor, int maxConcurrency, TimeSpan timeout)
{
    public const int DefaultMaxConcurrency = 16;

    private readonly SemaphoreSlim _slots = new(maxConcurrency, maxConcurrency);

    public int MaxConcurrency { get; } = maxConcurrency;

    public Task RunAsync(Action work, CancellationToken cancellationToken)
        => RunAsync<object?>(() => { work(); return null; }, cancellationToken);

    public async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        var call = Task.Run(() =>
        {
            try
            {
                return work();
            }
            catch (LibvirtException error)
            {
                throw LibvirtErrors.Translate(error, hypervisor);
            }
        }, CancellationToken.None);

        // The slot is released when the native call really ends, not when we stop waiting for it.
        _ = call.ContinueWith(_ => _slots.Release(), TaskScheduler.Default);
        try
        {
            return await call.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException error)
        {
            throw new HypervisorTimeoutException($"The {hypervisor} hypervisor did not answer within {timeout.TotalSeconds:0} s.", error);
        }
    }
}
