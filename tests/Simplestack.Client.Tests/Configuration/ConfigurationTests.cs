using Simplestack.Client.Configuration;

namespace Simplestack.Client.Tests.Configuration;

public class ConfigurationTests
{
    private const string Path = "/etc/simplestack/test.cfg";

    private const string Good = """
        ; the StratusLab manner: [default] and one section per location
        [default]
        gateway_url = http://127.0.0.1:8080
        hypervisor = test
        host = default
        ssh_private_key = ~/.ssh/id_ed25519

        [lab]
        gateway_url = https://gateway.lab.example:8443/
        hypervisor = kvm
        host = 10.0.0.5
        username = admin
        password = s3cret:with:colons
        api_key = k-1

        [instance_types]
        tiny = 1, 256
        big = 8, 16384, 40
        """;

    [Fact]
    public void A_good_file_gives_locations_in_order_with_inheritance_and_instance_types()
    {
        var configuration = SimplestackConfiguration.Parse(Good, Path);
        Assert.Equal(["default", "lab"], configuration.Locations.Select(l => l.Name));

        var defaults = configuration.DefaultLocation;
        Assert.Equal(new Uri("http://127.0.0.1:8080"), defaults.GatewayUrl);
        Assert.Equal("test", defaults.Hypervisor);
        Assert.Equal("default", defaults.Host);
        Assert.Null(defaults.Username);
        Assert.EndsWith("/.ssh/id_ed25519", defaults.SshPrivateKey, StringComparison.Ordinal);
        Assert.DoesNotContain("~", defaults.SshPrivateKey, StringComparison.Ordinal);

        var lab = configuration.GetLocation("LAB");
        Assert.Equal("kvm", lab.Hypervisor);
        Assert.Equal("10.0.0.5", lab.Host);
        Assert.Equal("admin", lab.Username);
        Assert.Equal("s3cret:with:colons", lab.Password);
        Assert.Equal("k-1", lab.ApiKey);
        Assert.Equal(defaults.SshPrivateKey, lab.SshPrivateKey); // inherited from [default]
        Assert.Equal("/kvm/10.0.0.5", lab.Target.BasePath);
        Assert.DoesNotContain("s3cret", lab.ToString(), StringComparison.Ordinal);

        Assert.Equal(2, configuration.InstanceTypes.Count);
        var big = Assert.Single(configuration.InstanceTypes, s => s.Id == "big");
        Assert.Equal(8, big.Cpus);
        Assert.Equal(16384, big.Memory);
        Assert.Equal(40, big.Disk);
        Assert.Null(Assert.Single(configuration.InstanceTypes, s => s.Id == "tiny").Disk);

        Assert.Same(defaults, configuration.GetLocation(null));
    }

    [Fact]
    public void A_missing_default_section_names_the_file_and_section()
    {
        var e = Assert.Throws<ConfigurationException>(() => SimplestackConfiguration.Parse("[lab]\nhypervisor = kvm\n", Path));
        Assert.Equal(Path, e.File);
        Assert.Equal("default", e.Section);
        Assert.Contains(Path, e.Message, StringComparison.Ordinal);
        Assert.Contains("[default]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_key_names_the_file_section_and_key()
    {
        var e = Assert.Throws<ConfigurationException>(() => SimplestackConfiguration.Parse(
            "[default]\ngateway_url = http://x:1\nhypervisor = test\nhost = default\n[lab]\nhots = 10.0.0.5\n", Path));
        Assert.Equal("lab", e.Section);
        Assert.Equal("hots", e.Key);
        Assert.Contains(Path, e.Message, StringComparison.Ordinal);
        Assert.Contains("[lab]", e.Message, StringComparison.Ordinal);
        Assert.Contains("hots", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[default]\ngateway_url = ftp://x\nhypervisor = test\nhost = default\n", "default", "gateway_url")]
    [InlineData("[default]\ngateway_url = not a url\nhypervisor = test\nhost = default\n", "default", "gateway_url")]
    [InlineData("[default]\nhypervisor = test\nhost = default\n", "default", "gateway_url")]
    [InlineData("[default]\ngateway_url = http://x\nhost = default\n[lab]\nhost = y\n", "default", "hypervisor")]
    [InlineData("[default]\ngateway_url = http://x\nhypervisor = test\nhost = default\n[lab]\nhost = a/b\n", "lab", "host")]
    [InlineData("[default]\ngateway_url = http://x\nhypervisor = test\nhost = default\npassword = p\n", "default", "password")]
    [InlineData("[default]\ngateway_url = http://x\nhypervisor = test\nhost = default\n[instance_types]\nodd = one, 512\n", "instance_types", "odd")]
    [InlineData("[default]\ngateway_url = http://x\nhypervisor = test\nhost = default\n[instance_types]\nodd = 1\n", "instance_types", "odd")]
    [InlineData("[default]\ngateway_url = http://x\nhypervisor = test\nhost = default\n[instance_types]\nodd = 1, 512, -3\n", "instance_types", "odd")]
    public void Bad_values_name_the_section_and_key(string text, string section, string key)
    {
        var e = Assert.Throws<ConfigurationException>(() => SimplestackConfiguration.Parse(text, Path));
        Assert.Equal(section, e.Section);
        Assert.Equal(key, e.Key);
        Assert.StartsWith(Path + ":", e.Message, StringComparison.Ordinal);
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_ini_and_duplicate_keys_name_the_file()
    {
        var malformed = Assert.Throws<ConfigurationException>(() => SimplestackConfiguration.Parse("[default]\nthis line has no equals\n", Path));
        Assert.Contains(Path, malformed.Message, StringComparison.Ordinal);

        var duplicate = Assert.Throws<ConfigurationException>(() => SimplestackConfiguration.Parse("[default]\nhost = a\nhost = b\n", Path));
        Assert.Contains(Path, duplicate.Message, StringComparison.Ordinal);
        Assert.Contains("host", duplicate.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_location_lists_the_known_ones()
    {
        var configuration = SimplestackConfiguration.Parse(Good, Path);
        var e = Assert.Throws<ConfigurationException>(() => configuration.GetLocation("nowhere"));
        Assert.Equal("nowhere", e.Section);
        Assert.Contains("default, lab", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_reads_the_file_named_by_the_environment_and_names_a_missing_file()
    {
        var file = System.IO.Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, Good);
            Assert.Equal(2, SimplestackConfiguration.Load(file).Locations.Count);

            var previous = Environment.GetEnvironmentVariable(SimplestackConfiguration.EnvironmentVariable);
            Environment.SetEnvironmentVariable(SimplestackConfiguration.EnvironmentVariable, file);
            try
            {
                Assert.Equal(file, SimplestackConfiguration.DefaultPath());
                Assert.Equal(file, SimplestackConfiguration.Load().Path);
            }
            finally
            {
                Environment.SetEnvironmentVariable(SimplestackConfiguration.EnvironmentVariable, previous);
            }
        }
        finally
        {
            File.Delete(file);
        }

        var missing = Assert.Throws<ConfigurationException>(() => SimplestackConfiguration.Load(file));
        Assert.Contains(file, missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_environment_variable_the_default_path_is_in_the_home_directory()
    {
        var previous = Environment.GetEnvironmentVariable(SimplestackConfiguration.EnvironmentVariable);
        Environment.SetEnvironmentVariable(SimplestackConfiguration.EnvironmentVariable, null);
        try
        {
            Assert.EndsWith("/.simplestack/simplestack.cfg", SimplestackConfiguration.DefaultPath(), StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(SimplestackConfiguration.EnvironmentVariable, previous);
        }
    }
}
