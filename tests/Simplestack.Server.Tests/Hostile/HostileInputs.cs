using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Simplestack.Server.Tests.Hostile;

/// <summary>One generated request. <see cref="SendApiKey"/> adds the valid key unless the headers replace it.</summary>
public sealed record HostileRequest(string Category, string Method, string Url, byte[]? Body, IReadOnlyList<KeyValuePair<string, string>> Headers, bool SendApiKey = true)
{
    /// <summary>
    /// The request as sent: the body (labelled <paramref name="bodyContentType"/> when given), the
    /// API key when <see cref="SendApiKey"/> and one is given, then the generated headers, which
    /// replace any of the same name (Content-* ones on the content).
    /// </summary>
    public HttpRequestMessage ToMessage(string? apiKey = null, string? bodyContentType = null)
    {
        var message = new HttpRequestMessage(new HttpMethod(Method), new Uri(Url, UriKind.Relative));
        if (Body is not null)
        {
            message.Content = new ByteArrayContent(Body);
            if (bodyContentType is not null)
            {
                message.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(bodyContentType);
            }
        }

        if (SendApiKey && apiKey is not null)
        {
            message.Headers.TryAddWithoutValidation("x-simplestack-token", apiKey);
        }

        foreach (var (name, value) in Headers)
        {
            if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                message.Content ??= new ByteArrayContent([]);
                message.Content.Headers.Remove(name);
                message.Content.Headers.TryAddWithoutValidation(name, value);
            }
            else
            {
                message.Headers.Remove(name);
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return message;
    }

    public override string ToString()
    {
        var url = Url.Length > 160 ? Url[..160] + "..." : Url;
        var body = Body is null ? string.Empty : " body=" + Encoding.UTF8.GetString(Body, 0, Math.Min(Body.Length, 160)).ReplaceLineEndings(" ");
        return $"[{Category}] {Method} {url}{body}";
    }
}

/// <summary>
/// The hostile inputs, and the requests built from them for every route of the OpenAPI document:
/// each path parameter, each body field (at any depth), each query parameter and a set of headers
/// get every hostile value in turn, and every JSON body also gets every malformed or oversized form.
/// </summary>
public static class HostileInputs
{
    /// <summary>Strings that have broken parsers, XML writers, shells, file paths and loggers.</summary>
    public static readonly IReadOnlyList<string> Strings =
    [
        "", " ", "\t", "\n", "\r\n", "\0", "a\0b", "\u0007bell", "\u001b[31mred", "\u007f", "\u0085", "line\nbreak",
        "<", ">", "&", "'", "\"", "<x>&'\"", "]]>", "<![CDATA[x]]>", "<!--", "-->", "<?xml version='1.0'?>", "&amp;", "&#0;", "&#x1F;", "&xxe;",
        "<!DOCTYPE x [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]><x>&xxe;</x>",
        "</name><uuid>00000000-0000-0000-0000-000000000001</uuid><name>x",
        "'/><disk type='file'><source file='/etc/shadow'/></disk><x a='",
        "\"><script>alert(1)</script>",
        ".", "..", "../../../../etc/passwd", "..\\..\\..\\windows\\win.ini", "/etc/shadow", "/dev/zero", "/proc/self/environ",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "....//....//etc/passwd", "a/b", "/", "//", "~root", "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:22/", "gopher://127.0.0.1:25/_HELO", "ftp://x/y", "\\\\server\\share",
        "é", "日本語のゲスト", "😀🔥", "\ud800", "\udfff", "x\ud800y", "\u202eevil", "\ufeffbom", "\uffff", "\ufffe", "\u2028\u2029", "Ⅻ", "ﬁ", "İ",
        new string('x', 201), new string('x', 256), new string('x', 4097), new string('é', 3000),
        "$(reboot)", "`id`", "; rm -rf /", "| cat /etc/passwd", "&& shutdown -h now", "%s%s%s%n", "{0}{1}", "' OR '1'='1", "${jndi:ldap://127.0.0.1/x}",
        "-1", "0", "NaN", "null", "true", "[]", "{}", "default", "test", "*", "?", "#", "%", "%zz", "%00", "+", ";", ",",
    ];

    /// <summary>JSON values (raw) for every field: wrong types, out-of-range and malformed numbers.</summary>
    public static readonly IReadOnlyList<string> RawValues =
    [
        "-1", "0", "-0", "0.5", "1.5", "-0.0001", "1e308", "-1e308", "1e-320", "5e-324", "1e400", "-1e400",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "2147483648", "4294967296", "18446744073709551616",
        "123456789012345678901234567890123456789", "1.7976931348623157e309",
        "true", "false", "null", "[]", "{}", "[1,2,3]", "{\"size\":1}", "\"1\"", "\"-1\"", "\"1e400\"", "\"\"",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    ];

    /// <summary>Whole bodies that are not what any route expects.</summary>
    public static IEnumerable<(string Name, byte[] Body)> MalformedBodies()
    {
        static (string, byte[]) T(string name, string text) => (name, Encoding.UTF8.GetBytes(text));
        yield return T("empty", "");
        yield return T("blank", "   \r\n\t ");
        foreach (var text in new[]
                 {
                     "{", "}", "[", "]", "{}", "[]", "null", "true", "0", "-1", "\"x\"", "{\"a\":}", "{'a':1}", "{a:1}", "{\"a\":1,}",
                     "{\"a\":1} {\"b\":2}", "{\"a\":1}garbage", "/*c*/{}", "{\"a\":1 // c\n}", "{\"a\":NaN}", "{\"a\":Infinity}",
                     "{\"a\":1e400}", "{\"name\":\"\\ud800\"}", "{\"name\":\"\\u0000\"}", "{\"name\":\"\\x41\"}", "{\"name\":\"unterminated",
                     "{\"__proto__\":{\"polluted\":1}}", "{\"$type\":\"System.IO.FileInfo, System.IO.FileSystem\",\"fileName\":\"/etc/passwd\"}",
                     "<?xml version=\"1.0\"?><domain type='kvm'><name>x</name></domain>", "name=x&memory=1", "\u0000\u0000\u0000",
                     "{\"name\":\"a\",\"name\":\"b\",\"memory\":1,\"memory\":2}",
                 })
        {
            yield return T("malformed", text);
        }

        yield return ("bom+json", [0xEF, 0xBB, 0xBF, (byte)'{', (byte)'}']);
        yield return ("utf16", Encoding.Unicode.GetBytes("{\"name\":\"x\"}"));
        yield return ("utf32", Encoding.UTF32.GetBytes("{\"name\":\"x\"}"));
        yield return ("invalid-utf8", [(byte)'{', (byte)'"', (byte)'n', (byte)'"', (byte)':', (byte)'"', 0xC3, 0x28, 0xFF, 0xFE, (byte)'"', (byte)'}']);
        yield return ("binary", [.. Enumerable.Range(0, 512).Select(i => (byte)((i * 7919) % 256))]);
        yield return T("deep-array-30k", new string('[', 30_000) + new string(']', 30_000));
        yield return T("deep-object-5k", string.Concat(Enumerable.Repeat("{\"a\":", 5_000)) + "1" + new string('}', 5_000));
        yield return T("depth-33", new string('[', 33) + new string(']', 33));
        yield return T("deep-in-field", "{\"name\":" + new string('[', 1_000) + new string(']', 1_000) + "}");
        yield return T("too-large-200k", "{\"name\":\"" + new string('x', 200_000) + "\"}");
        yield return T("just-over-limit", "{\"name\":\"" + new string('x', 65_536) + "\"}");
        yield return T("many-keys", "{" + string.Join(',', Enumerable.Range(0, 5_000).Select(i => $"\"k{i}\":{i}")) + "}");
        yield return T("long-number", "{\"memory\":" + new string('9', 20_000) + "}");
        yield return T("blanks-then-object", new string(' ', 70_000) + "{}");
    }

    /// <summary>Archives for the import routes: not tar, truncated, traversal in entry names, a lying manifest.</summary>
    public static IEnumerable<(string Name, byte[] Body)> HostileArchives()
    {
        yield return ("not-tar", Encoding.ASCII.GetBytes("this is not a tar archive at all, just text"));
        yield return ("zeros", new byte[10_240]);
        yield return ("truncated-header", new byte[100]);
        yield return ("gzip-magic", [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01, 0x02]);
        yield return ("traversal", Tar(("../../../../tmp/simplestack-evil", "owned"), ("manifest.json", "{}")));
        yield return ("absolute", Tar(("/etc/cron.d/evil", "* * * * * root id"), ("manifest.json", "{}")));
        yield return ("manifest-hostile", Tar(("manifest.json", "{\"format\":1,\"name\":\"<x>&'\\\"\",\"disks\":[{\"device\":\"../../etc/passwd\",\"size\":-1,\"sha256\":\"zz\"}]}")));
        yield return ("manifest-huge-disk", Tar(("manifest.json", "{\"format\":1,\"name\":\"hz-import\",\"disks\":[{\"device\":\"vda\",\"size\":1e300,\"sha256\":\"00\"}]}"), ("domain.xml", "<domain/>")));
        yield return ("manifest-deep", Tar(("manifest.json", new string('[', 10_000) + new string(']', 10_000))));
        yield return ("domain-xxe", Tar(
            ("manifest.json", "{\"format\":1,\"name\":\"hz-xxe\",\"disks\":[]}"),
            ("domain.xml", "<!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><domain type='test'><name>&x;</name><memory>1024</memory></domain>")));
        var full = Tar(("manifest.json", "{\"format\":1,\"name\":\"hz-cut\",\"disks\":[]}"), ("domain.xml", "<domain type='test'><name>hz-cut</name></domain>"));
        yield return ("cut-in-the-middle", full[..(full.Length / 3)]);
    }

    private static byte[] Tar(params (string Name, string Content)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) };
                writer.WriteEntry(entry);
            }
        }

        return buffer.ToArray();
    }

    public static readonly IReadOnlyList<string> Hypervisors =
    [
        "nope", "xen2", "TEST", "Test", "kvm", "qemu", "lxc", "xen", "vmware", "hyperv", "libvirt", "test%00", "%2e%2e", "..", "test;rm", "<x>", "😀",
        new string('h', 300), "%20test", "test%2Fdefault", "bhyve", "vbox", "esx", "openvz", "qemu+ssh", "test:///default",
    ];

    public static readonly IReadOnlyList<string> Hosts =
    [
        "localhost", "127.0.0.1", "10.0.0.1", "169.254.169.254", "[::1]", "[fd00::1]", "0x7f.1", "127.1", "2130706433", "0177.0.0.1",
        "user@host", "user:pass@host", "default:0", "default:65536", "default:-1", "default:99999999999", "default:", ":80", "a..b", "-a.example",
        "host%00", "host%2F..%2F..", new string('a', 64) + ".example", new string('a', 300), "例え.テスト", "xn--r8jz45g.xn--zckzah",
        "[::ffff:127.0.0.1]", "[fe80::1%25eth0]", "default%0d%0aX: y", "metadata.google.internal", "*.example", "default.", "DEFAULT",
    ];

    /// <summary>Header sets: bad API keys, bad hypervisor tokens, huge and odd headers. SendApiKey says whether the valid key is added too.</summary>
    public static IEnumerable<(string Name, IReadOnlyList<KeyValuePair<string, string>> Headers, bool SendApiKey)> HostileHeaders(string apiKey)
    {
        static KeyValuePair<string, string> H(string name, string value) => new(name, value);
        const string Token = "x-simplestack-hypervisor-token";
        const string Key = "x-simplestack-token";
        var b64 = (string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

        // Hypervisor tokens (the valid API key is sent).
        foreach (var token in new[]
                 {
                     "not-base64!", "====", "=", "YQ==", "YWJj", "%%%", "dXNlcjpwYXNz\n", "Basic dXNlcjpwYXNz", " ", "\t",
                     Convert.ToBase64String([0xFF, 0xFE, 0xFD, 0x3A]), b64(":"), b64("user:"), b64(":pass"), b64("user\0:pass\0"),
                     b64("<x>:&'\""), b64("user:" + new string('p', 10_000)), new string('A', 65_536), b64(new string(':', 1000)),
                     "dXNlcjpwYXNz=extra", "dXNl cjpw YXNz", "dXNlcjpwYXNz====", "\u00e9\u00e9", b64("root:") + "\r\nX-Injected: 1",
                 })
        {
            yield return ("hypervisor-token", [H(Token, token)], true);
        }

        yield return ("two-hypervisor-tokens", [H(Token, b64("a:b")), H(Token, b64("c:d"))], true);

        // API keys (the valid one is not sent).
        foreach (var key in new[]
                 {
                     "wrong", "", " ", apiKey + "x", apiKey[..^1], apiKey.ToUpperInvariant() + "!", new string('k', 1_000_000), "\0", "<key>&",
                     b64(apiKey), "Bearer " + apiKey, apiKey + "\r\nX: y",
                 })
        {
            yield return ("bad-api-key", [H(Key, key)], false);
        }

        yield return ("no-api-key", [], false);
        yield return ("bearer-wrong", [H("Authorization", "Bearer wrong")], false);
        yield return ("bearer-empty", [H("Authorization", "Bearer")], false);
        yield return ("basic-auth", [H("Authorization", "Basic " + b64("admin:" + apiKey))], false);
        yield return ("bearer-lowercase", [H("Authorization", "bearer " + apiKey)], false);
        yield return ("two-keys-differ", [H(Key, apiKey), H("Authorization", "Bearer other")], false);
        yield return ("two-key-headers", [H(Key, apiKey), H(Key, apiKey)], false);

        // Odd and huge headers (the valid key is sent).
        yield return ("huge-header-64k", [H("x-junk", new string('j', 65_536))], true);
        yield return ("huge-header-1m", [H("x-junk", new string('j', 1_048_576))], true);
        yield return ("many-headers", [.. Enumerable.Range(0, 300).Select(i => H($"x-h{i}", "v"))], true);
        yield return ("request-id-injection", [H("X-Request-Id", "abc\r\nSet-Cookie: x=1")], true);
        yield return ("request-id-huge", [H("X-Request-Id", new string('r', 10_000))], true);
        yield return ("content-type-xml", [H("Content-Type", "application/xml")], true);
        yield return ("content-type-multipart", [H("Content-Type", "multipart/form-data; boundary=x")], true);
        yield return ("content-type-utf32", [H("Content-Type", "application/json; charset=utf-32")], true);
        yield return ("accept-weird", [H("Accept", "application/xml;q=1, */*;q=0")], true);
        yield return ("host-header", [H("Host", "169.254.169.254")], true);
        yield return ("forwarded", [H("X-Forwarded-For", "127.0.0.1, <script>"), H("X-Forwarded-Host", "evil.example")], true);
        yield return ("transfer-encoding", [H("Transfer-Encoding", "gzip, chunked")], true);
    }

    /// <summary>Sets <paramref name="path"/> (e.g. <c>disks.0.size</c>) in <paramref name="body"/> to a placeholder, creating what is missing.</summary>
    public static void SetPath(JsonObject body, IReadOnlyList<string> path, JsonNode value)
    {
        JsonNode current = body;
        for (var i = 0; i < path.Count - 1; i++)
        {
            var segment = path[i];
            var nextIsIndex = int.TryParse(path[i + 1], out _);
            if (current is JsonObject obj)
            {
                if (obj[segment] is null)
                {
                    obj[segment] = nextIsIndex ? new JsonArray() : new JsonObject();
                }

                current = obj[segment]!;
            }
            else if (current is JsonArray array)
            {
                var index = int.Parse(segment, System.Globalization.CultureInfo.InvariantCulture);
                while (array.Count <= index)
                {
                    array.Add(nextIsIndex ? new JsonArray() : new JsonObject());
                }

                current = array[index]!;
            }
        }

        var last = path[^1];
        if (current is JsonObject target)
        {
            target[last] = value;
        }
        else if (current is JsonArray list)
        {
            var index = int.Parse(last, System.Globalization.CultureInfo.InvariantCulture);
            while (list.Count <= index)
            {
                list.Add(null);
            }

            list[index] = value;
        }
    }

    /// <summary>Every leaf of a schema, as a path (array items at index 0), with the baseline object of each level.</summary>
    public static IEnumerable<string[]> Leaves(JsonObject schema, string[] prefix)
    {
        var properties = schema["properties"]?.AsObject();
        if (properties is null)
        {
            yield break;
        }

        foreach (var (name, node) in properties)
        {
            var property = node!.AsObject();
            var path = prefix.Append(name).ToArray();
            yield return path;
            if (Is(property, "object"))
            {
                foreach (var leaf in Leaves(property, path))
                {
                    yield return leaf;
                }
            }
            else if (Is(property, "array") && property["items"] is JsonObject items)
            {
                var item = path.Append("0").ToArray();
                yield return item;
                foreach (var leaf in Leaves(items, item))
                {
                    yield return leaf;
                }
            }
        }
    }

    /// <summary>A body with the schema's required fields filled with sensible values (<paramref name="unique"/> for names).</summary>
    public static JsonObject Minimal(JsonObject schema, string unique)
    {
        var body = new JsonObject();
        var required = schema["required"]?.AsArray().Select(r => (string)r!).ToHashSet() ?? [];
        foreach (var (name, node) in schema["properties"]?.AsObject() ?? [])
        {
            if (!required.Contains(name))
            {
                continue;
            }

            var property = node!.AsObject();
            body[name] = Baseline(name, property, unique);
        }

        return body;
    }

    private static JsonNode? Baseline(string name, JsonObject property, string unique) => name switch
    {
        "name" or "hostname" => unique,
        "memory" => 64,
        "size" => 1,
        "state" => "start",
        "network" => "default",
        "location" => "http://127.0.0.1:9/none",
        "bridge" => "hzbr0",
        "vlan" => 42,
        _ when Is(property, "string") => unique,
        _ when Is(property, "integer") || Is(property, "number") => 1,
        _ when Is(property, "boolean") => false,
        _ when Is(property, "array") => new JsonArray(),
        _ when Is(property, "object") => Minimal(property, unique),
        _ => null,
    };

    private static bool Is(JsonObject schema, string type) => schema["type"] switch
    {
        JsonValue v => (string?)v == type,
        JsonArray a => a.Any(t => (string?)t == type),
        _ => false,
    };

    /// <summary>Percent-encodes a path segment (lone surrogates become U+FFFD's bytes).</summary>
    public static string Segment(string value)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' or ':' or '@' or '[' or ']')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    public static byte[] Serialize(JsonObject body, IReadOnlyDictionary<string, string> raw)
    {
        var text = body.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        foreach (var (placeholder, fragment) in raw)
        {
            text = text.Replace($"\"{placeholder}\"", fragment, StringComparison.Ordinal);
        }

        return Encoding.UTF8.GetBytes(text);
    }
}
