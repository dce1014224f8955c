using System.Text.Json;
using System.Text.Json.Serialization;

namespace Simplestack.Drivers.XenApi.Rpc;

/// <summary>The driver's JSON, generated at build time: the records it reads and the shapes of their maps.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    PropertyNameCaseInsensitive = true,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, PoolRecord>))]
[JsonSerializable(typeof(Dictionary<string, HostRecord>))]
[JsonSerializable(typeof(Dictionary<string, HostMetricsRecord>))]
[JsonSerializable(typeof(Dictionary<string, VmRecord>))]
[JsonSerializable(typeof(Dictionary<string, GuestMetricsRecord>))]
[JsonSerializable(typeof(Dictionary<string, VbdRecord>))]
[JsonSerializable(typeof(Dictionary<string, VdiRecord>))]
[JsonSerializable(typeof(Dictionary<string, SrRecord>))]
[JsonSerializable(typeof(Dictionary<string, PbdRecord>))]
[JsonSerializable(typeof(Dictionary<string, NetworkRecord>))]
[JsonSerializable(typeof(Dictionary<string, PifRecord>))]
[JsonSerializable(typeof(Dictionary<string, VifRecord>))]
[JsonSerializable(typeof(VmRecord))]
[JsonSerializable(typeof(HostRecord))]
[JsonSerializable(typeof(GuestMetricsRecord))]
[JsonSerializable(typeof(VbdRecord))]
[JsonSerializable(typeof(VdiRecord))]
[JsonSerializable(typeof(NetworkRecord))]
[JsonSerializable(typeof(PifRecord))]
[JsonSerializable(typeof(VifRecord))]
[JsonSerializable(typeof(SrRecord))]
[JsonSerializable(typeof(TaskRecord))]
[JsonSerializable(typeof(ConsoleRecord))]
[JsonSerializable(typeof(EventBatch))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class XenApiJson : JsonSerializerContext;
