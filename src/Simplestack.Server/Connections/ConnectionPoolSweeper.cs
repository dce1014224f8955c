using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Simplestack.Server.Logging;

namespace Simplestack.Server.Connections;

/// <summary>The background timer that closes idle and dead pooled connections.</summary>
public sealed class ConnectionPoolSweeper(
    ConnectionPool pool, IOptions<ConnectionPoolOptions> options, TimeProvider time, ILogger<ConnectionPoolSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.SweepInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await pool.EvictIdleAsync();
                }
                catch (Exception e)
                {
                    Log.SweepFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
