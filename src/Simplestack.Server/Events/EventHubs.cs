using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Simplestack.Core;

namespace Simplestack.Server.Events;

/// <summary>
/// One <see cref="EventHub"/> per pooled connection, made on its first subscriber and gone with
/// the connection: nothing here outlives the pool's cache, so the gateway stays stateless (a
/// client that lands on another process, or after a restart, gets <c>resync</c>).
/// </summary>
public sealed class EventHubs(IOptions<EventsOptions> options, IOptions<JsonOptions> json)
{
    private readonly ConditionalWeakTable<IHypervisorConnection, EventHub> _hubs = [];

    public EventsOptions Options => options.Value;

    public EventHub For(IHypervisorConnection connection, IGuestEvents events)
        => _hubs.GetValue(connection, _ => new EventHub(events, options.Value, json.Value.SerializerOptions));

    /// <summary>The hub of <paramref name="connection"/> if one was made (for tests).</summary>
    public EventHub? Find(IHypervisorConnection connection) => _hubs.TryGetValue(connection, out var hub) ? hub : null;
}

public static class EventsServices
{
    /// <summary>The events hubs and their options.</summary>
    public static IServiceCollection AddSimplestackEvents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EventsOptions>()
            .Bind(configuration.GetSection(EventsOptions.Section))
            .Validate(o => o.Heartbeat > TimeSpan.Zero && o.RingSize >= 1 && o.SubscriberBuffer >= 1 && o.Linger >= TimeSpan.Zero,
                "Simplestack:Events: Heartbeat must be positive, RingSize and SubscriberBuffer at least 1, Linger not negative.")
            .ValidateOnStart();
        services.AddSingleton<EventHubs>();
        return services;
    }
}
