using System.Globalization;
using System.Text.Json;

namespace Simplestack.XenApi.Simulator.Protocol;

/// <summary>One decoded call, whatever format it came in.</summary>
internal sealed record RpcCall(string Method, List<object?> Params);

/// <summary>
/// JSON-RPC as xapi speaks it (api_server.ml jsoncallback): 1.0 when the request has no
/// "jsonrpc" member, 2.0 otherwise, and the answer in the version asked.
/// </summary>
internal static class JsonRpc
{
    public sealed record Request(RpcCall Call, bool Version2, JsonElement Id);

    /// <summary>Null when the body is not a JSON-RPC request at all (xapi answers 500 then).</summary>
    public static Request? Parse(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("id", out var id) || id.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
            var parameters = root.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Array
                ? p.EnumerateArray().Select(Decode).ToList()
                : [];
            var version2 = root.TryGetProperty("jsonrpc", out var v) && v.ValueKind == JsonValueKind.String;
            return new Request(new RpcCall(method.GetString()!, parameters), version2, id.Clone());
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static byte[] Success(Request request, object? result) => Write(request, w =>
    {
        w.WritePropertyName("result");
        WriteValue(w, result);
        if (!request.Version2)
        {
            w.WriteNull("error");
        }
    });

    public static byte[] Failure(Request request, XenApiException error) => Write(request, w =>
    {
        if (request.Version2)
        {
            w.WriteStartObject("error");
            w.WriteNumber("code", 1);
            w.WriteString("message", error.Code);
            w.WriteStartArray("data");
            foreach (var p in error.Parameters)
            {
                w.WriteStringValue(p);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("result");
            w.WriteStartArray("error");
            w.WriteStringValue(error.Code);
            foreach (var p in error.Parameters)
            {
                w.WriteStringValue(p);
            }
            w.WriteEndArray();
        }
    });

    private static byte[] Write(Request request, Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            if (request.Version2)
            {
                w.WriteString("jsonrpc", "2.0");
            }
            body(w);
            w.WritePropertyName("id");
            request.Id.WriteTo(w);
            w.WriteEndObject();
        }
        return stream.ToArray();
    }

    public static void WriteValue(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteStringValue(""); break; // void is "" on the wire
            case string s: w.WriteStringValue(s); break;
            case long l: w.WriteNumberValue(l); break;
            case int i: w.WriteNumberValue(i); break;
            case double d: w.WriteNumberValue(d); break;
            case bool b: w.WriteBooleanValue(b); break;
            case DateTime t: w.WriteStringValue(Wire.FormatDateTime(t)); break;
            case List<object?> list:
                w.WriteStartArray();
                foreach (var item in list)
                {
                    WriteValue(w, item);
                }
                w.WriteEndArray();
                break;
            case Dictionary<string, object?> map:
                w.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    w.WritePropertyName(key);
                    WriteValue(w, item);
                }
                w.WriteEndObject();
                break;
            default: w.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }

    private static object? Decode(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out var l) ? l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => e.EnumerateArray().Select(Decode).ToList(),
        JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => Decode(p.Value), StringComparer.Ordinal),
        _ => null,
    };
}
