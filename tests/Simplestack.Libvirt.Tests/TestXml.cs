namespace Simplestack.Libvirt.Tests;

internal static class TestXml
{
    public const string Uri = "test:///default";

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public static string Domain(string name) =>
        $"""
        <domain type='test'>
          <name>{name}</name>
          <memory unit='KiB'>131072</memory>
          <currentMemory unit='KiB'>131072</currentMemory>
          <vcpu>2</vcpu>
          <os><type arch='x86_64'>hvm</type></os>
        </domain>
        """;
}
