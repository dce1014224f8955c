using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi.Tests;

/// <summary>A task's result is XML-RPC text: the VM refs of an import are read out of it.</summary>
public sealed class XmlRpcValuesTests
{
    [Fact]
    public void An_import_result_gives_its_vm_refs_in_order()
    {
        const string result = "<value><array><data><value>OpaqueRef:a1</value><value><string>OpaqueRef:b2</string></value></data></array></value>";
        Assert.Equal(["OpaqueRef:a1", "OpaqueRef:b2"], XmlRpcValues.Strings(result));
    }

    [Theory]
    [InlineData("", new string[0])]
    [InlineData("  ", new string[0])]
    [InlineData("OpaqueRef:bare", new[] { "OpaqueRef:bare" })]
    [InlineData("<value>OpaqueRef:one</value>", new[] { "OpaqueRef:one" })]
    [InlineData("<value><array><data></data></array></value>", new string[0])]
    [InlineData("<value><array><data><value>", new string[0])]
    public void Other_shapes_read_as_expected(string result, string[] expected)
        => Assert.Equal(expected, XmlRpcValues.Strings(result));
}
