using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Xml.Linq;
using Simplestack.Libvirt.Interop;

namespace Simplestack.Libvirt.Tests;

/// <summary>Checks the binding against libvirt's own API description.</summary>
public sealed class ApiConsistencyTests
{
    private const string ApiXml = "/usr/share/libvirt/api/libvirt-api.xml";

    private static readonly Lazy<XDocument> Api = new(() => XDocument.Load(ApiXml));

    private static IEnumerable<(MethodInfo Method, string EntryPoint)> Imports() =>
        typeof(NativeMethods).GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
            .Select(m => (Method: m, Attr: m.GetCustomAttribute<LibraryImportAttribute>()))
            .Where(x => x.Attr is not null)
            .Select(x => (x.Method, x.Attr!.EntryPoint ?? x.Method.Name));

    [Fact]
    public void Every_imported_function_exists_in_the_api_description()
    {
        var functions = Api.Value.Descendants("function").Select(f => (string)f.Attribute("name")!).ToHashSet(StringComparer.Ordinal);
        var imports = Imports().ToList();
        Assert.True(imports.Count > 100, $"only {imports.Count} imports found");
        Assert.All(imports, i => Assert.Contains(i.EntryPoint, functions));
        Assert.All(imports, i => Assert.Equal(NativeMethods.LibraryName, i.Method.GetCustomAttribute<LibraryImportAttribute>()!.LibraryName));
    }

    [Fact]
    public void Imported_functions_have_the_documented_number_of_arguments()
    {
        var functions = Api.Value.Descendants("function").ToDictionary(f => (string)f.Attribute("name")!, StringComparer.Ordinal);
        Assert.All(Imports(), i =>
        {
            var args = functions[i.EntryPoint].Elements("arg").Count();
            Assert.True(args == i.Method.GetParameters().Length, $"{i.EntryPoint}: {args} args in the API, {i.Method.GetParameters().Length} declared");
        });
    }

    [Fact]
    public void Error_codes_match_virErrorNumber()
    {
        var fromApi = Api.Value.Descendants("enum")
            .Where(e => (string?)e.Attribute("type") == "virErrorNumber" && !((string)e.Attribute("name")!).EndsWith("_LAST", StringComparison.Ordinal))
            .ToDictionary(e => (string)e.Attribute("name")!, e => int.Parse((string)e.Attribute("value")!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(fromApi.Count > 100);

        var ours = Enum.GetValues<LibvirtErrorCode>().ToDictionary(v => (int)v, v => v.ToString());
        Assert.Equal(fromApi.Count, ours.Count);
        foreach (var (name, value) in fromApi)
        {
            Assert.True(ours.TryGetValue(value, out var ourName), $"{name} = {value} missing");
            Assert.Equal(Pascal(name), ourName);
        }

        Assert.Equal(42, (int)LibvirtErrorCode.NoDomain);
        Assert.Equal(0, (int)LibvirtErrorCode.Ok);
    }

    [Fact]
    public void Flag_enums_match_the_api_description()
    {
        AssertEnum<DomainStatsTypes>("virDomainStatsTypes", "VIR_DOMAIN_STATS_");
        AssertEnum<DomainXmlFlags>("virDomainXMLFlags", "VIR_DOMAIN_XML_");
        AssertEnum<DomainUndefineFlags>("virDomainUndefineFlagsValues", "VIR_DOMAIN_UNDEFINE_");
        AssertEnum<DomainState>("virDomainState", "VIR_DOMAIN_");
        AssertEnum<StoragePoolState>("virStoragePoolState", "VIR_STORAGE_POOL_");
        AssertEnum<DomainMetadataType>("virDomainMetadataType", "VIR_DOMAIN_METADATA_");
        AssertEnum<DomainInterfaceAddressSource>("virDomainInterfaceAddressesSource", "VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_");
        AssertEnum<DomainModificationImpact>("virDomainModificationImpact", "VIR_DOMAIN_AFFECT_");
    }

    [Fact]
    public void Struct_layouts_match_the_c_headers()
    {
        // sizeof() values from gcc on x86_64 against /usr/include/libvirt.
        Assert.Equal(80, Unsafe.SizeOf<VirError>());
        Assert.Equal(64, Unsafe.SizeOf<VirNodeInfo>());
        Assert.Equal(40, Unsafe.SizeOf<VirDomainInfo>());
        Assert.Equal(24, Unsafe.SizeOf<VirDomainBlockInfo>());
        Assert.Equal(32, Unsafe.SizeOf<VirStoragePoolInfo>());
        Assert.Equal(24, Unsafe.SizeOf<VirStorageVolInfo>());
        Assert.Equal(48, Unsafe.SizeOf<VirConnectCredential>());
        Assert.Equal(32, Unsafe.SizeOf<VirConnectAuth>());
        Assert.Equal(96, Unsafe.SizeOf<VirTypedParameter>());
        Assert.Equal(24, Unsafe.SizeOf<VirDomainStatsRecord>());
        Assert.Equal(24, Unsafe.SizeOf<VirDomainIPAddress>());
        Assert.Equal(32, Unsafe.SizeOf<VirDomainInterface>());
        Assert.Equal(72, Unsafe.SizeOf<VirNetworkDHCPLease>());
    }

    private static void AssertEnum<T>(string type, string prefix)
        where T : struct, Enum
    {
        var values = Api.Value.Descendants("enum")
            .Where(e => (string?)e.Attribute("type") == type && !((string)e.Attribute("name")!).EndsWith("_LAST", StringComparison.Ordinal))
            .ToDictionary(e => Pascal(((string)e.Attribute("name")!)[prefix.Length..]), e => (string)e.Attribute("value")!, StringComparer.OrdinalIgnoreCase);
        Assert.NotEmpty(values);
        foreach (var value in Enum.GetValues<T>())
        {
            var name = value.ToString();
            if (name == "None" && Convert.ToUInt64(value, System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                continue;
            }

            Assert.True(values.TryGetValue(name, out var expected), $"{typeof(T).Name}.{name} not in {type}");
            Assert.Equal(expected, Convert.ToUInt64(value, System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static string Pascal(string name)
    {
        var (prefix, rest) = name.StartsWith("VIR_WAR_", StringComparison.Ordinal) ? ("Warning", name[8..])
            : name.StartsWith("VIR_ERR_", StringComparison.Ordinal) ? (string.Empty, name[8..])
            : (string.Empty, name);
        return prefix + string.Concat(rest.Split('_').Select(p => p.Length == 0 ? p : p[..1] + p[1..].ToLowerInvariant()));
    }
}
