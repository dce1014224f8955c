namespace Simplestack.Server.Json;

// Bodies that have no record in Core. The others (GuestCreateRequest, GuestUpdateRequest,
// DiskCreateRequest, DiskUpdateRequest, NicCreateRequest, SnapshotCreateRequest,
// NetworkCreateRequest) are read directly into Core's records, whose shape is the wire's.

/// <summary><c>PUT .../power</c>: <c>start</c>, <c>stop</c>, <c>force_stop</c>, <c>pause</c> or <c>resume</c>.</summary>
public sealed record PowerRequest(string State);

/// <summary><c>PUT .../reboot</c> (the body is optional).</summary>
public sealed record RebootRequest(bool Force = false);

/// <summary><c>POST .../clone</c>.</summary>
public sealed record CloneRequest(string Name);

/// <summary><c>POST .../tags</c>.</summary>
public sealed record TagCreateRequest(string Name);

/// <summary><c>PUT .../media_device</c>: an ISO name to mount, or null or <c>""</c> to eject.</summary>
public sealed record MediaRequest(string? Name);

/// <summary>
/// <c>PUT .../network_interfaces/{id}</c> as documented: <c>ratelimit</c> is bits per second, or
/// <c>false</c> to remove the limit. Read by <see cref="RequestReaders.ReadNicUpdate"/>.
/// </summary>
public sealed record NicUpdateBody(string? Network = null, long? Ratelimit = null, string? Model = null);
