using System.Net;
using Simplestack.Client.Models;

namespace Simplestack.Client.Tests.Sdk;

public class InfrastructureTests(GatewayFactory factory) : GatewayTestBase(factory)
{
    [Fact]
    public async Task Pool_and_hosts()
    {
        var pool = await Sdk.Pool.GetAsync(Ct);
        Assert.True(pool.TotalMemory > 0);
        Assert.False(string.IsNullOrEmpty(pool.Master));
        Assert.NotNull(pool.SoftwareInfo);

        var host = Assert.Single(await Sdk.Hosts.ListAsync(Ct));
        Assert.True(host.Cpus > 0);
        Assert.Equal(host.Name, (await Sdk.Hosts.GetAsync(host.Id, Ct)).Name);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Sdk.Hosts.GetAsync("no-such-host", Ct));
    }

    [Fact]
    public async Task Storages_list_and_get_by_id_and_name()
    {
        var storages = await Sdk.Storages.ListAsync(Ct);
        var pool = Assert.Single(storages, s => s.Name == "default-pool");
        Assert.True(pool.Size > 0);
        Assert.Equal(pool.Id, (await Sdk.Storages.GetAsync(pool.Id, Ct)).Id);
        Assert.Equal(pool.Id, (await Sdk.Storages.GetAsync("default-pool", Ct)).Id);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Sdk.Storages.GetAsync("no-such-pool", Ct));
    }

    [Fact]
    public async Task Networks_create_get_list_delete()
    {
        Assert.Contains(await Sdk.Networks.ListAsync(Ct), n => n.Id == "default");
        var name = UniqueName("net");
        var created = await Sdk.Networks.CreateAsync(new NetworkCreateRequest { Name = name, Description = "made by the SDK tests" }, Ct);
        Assert.Equal(name, created.Id);
        Assert.Equal(name, (await Sdk.Networks.GetAsync(name, Ct)).Name);
        Assert.Contains(await Sdk.Networks.ListAsync(Ct), n => n.Id == name);
        await Assert.ThrowsAsync<ConflictException>(() => Sdk.Networks.CreateAsync(new NetworkCreateRequest { Name = name }, Ct));

        await Sdk.Networks.DeleteAsync(name, Ct);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Sdk.Networks.GetAsync(name, Ct));
    }

    [Fact]
    public async Task Images_are_never_empty_on_the_test_hypervisor()
    {
        var images = await Sdk.Images.ListAsync(Ct);
        Assert.NotEmpty(images);
        Assert.All(images, i => Assert.False(string.IsNullOrEmpty(i.Id)));
    }

    [Fact]
    public async Task Sizes_default_to_the_stratuslab_instance_types()
    {
        var sizes = await Sdk.Sizes.ListAsync(Ct);
        var small = Assert.Single(sizes, s => s.Id == "m1.small");
        Assert.Equal(1, small.Cpus);
        Assert.Equal(1536, small.Memory);
        Assert.Equal(10, small.Disk);
        var xlarge = Assert.Single(sizes, s => s.Id == "c1.xlarge");
        Assert.Equal(4, xlarge.Cpus);
        Assert.Equal(6144, xlarge.Memory);
        Assert.Contains(sizes, s => s.Id == "t1.micro");
    }

    [Fact]
    public async Task Volumes_create_get_list_delete()
    {
        var name = UniqueName("vol") + ".img";
        var created = await Sdk.Volumes.CreateAsync("default-pool", new VolumeCreateRequest { Name = name, Size = 1 }, Ct);
        Assert.Equal(name, created.Name);
        Assert.Equal(1, created.Size);

        var read = await Sdk.Volumes.GetAsync("default-pool", created.Id, Ct);
        Assert.Equal(name, read.Name);
        Assert.Contains(await Sdk.Volumes.ListAsync("default-pool", Ct), v => v.Id == created.Id);
        await Assert.ThrowsAsync<ConflictException>(() => Sdk.Volumes.CreateAsync("default-pool", new VolumeCreateRequest { Name = name, Size = 1 }, Ct));

        await Sdk.Volumes.DeleteAsync("default-pool", created.Id, Ct);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => Sdk.Volumes.GetAsync("default-pool", created.Id, Ct));
        Assert.DoesNotContain(await Sdk.Volumes.ListAsync("default-pool", Ct), v => v.Id == created.Id);
    }

    [Fact]
    public async Task Errors_are_typed_by_status_with_the_error_word_and_body()
    {
        var notFound = await Assert.ThrowsAsync<EntityNotFoundException>(() => Sdk.Guests.GetAsync("no-such-guest", Ct));
        Assert.Equal(HttpStatusCode.NotFound, notFound.Status);
        Assert.Equal("EntityNotFound", notFound.Error);
        Assert.Contains("no-such-guest", notFound.Message, StringComparison.Ordinal);
        Assert.Contains("\"error\"", notFound.Body, StringComparison.Ordinal);
        Assert.Equal("GET", notFound.Method);

        var invalid = await Assert.ThrowsAsync<InvalidArgumentsException>(
            () => Sdk.Guests.CreateAsync(new GuestCreateRequest { Name = UniqueName(), Memory = 0 }, Ct));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.Equal("InvalidArguments", invalid.Error);

        using var unknown = Factory.CreateSdk(new SimplestackTarget("nope", "default"));
        var hv = await Assert.ThrowsAsync<EntityNotFoundException>(() => unknown.Guests.ListAsync(Ct));
        Assert.Contains("nope", hv.Message, StringComparison.Ordinal);

        using var notAllowed = Factory.CreateSdk(new SimplestackTarget("kvm", "10.9.9.9"));
        var refused = await Assert.ThrowsAsync<UnauthorizedException>(() => notAllowed.Guests.ListAsync(Ct));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal("TargetNotAllowed", refused.Error);

        using var hyperv = Factory.CreateSdk(new SimplestackTarget("hyperv", "host1.example"));
        var notBuilt = await Assert.ThrowsAsync<FeatureNotImplementedException>(() => hyperv.Guests.ListAsync(Ct));
        Assert.Equal(HttpStatusCode.NotImplemented, notBuilt.Status);
        Assert.IsAssignableFrom<SimplestackApiException>(notBuilt);

        // A real driver whose hypervisor does not answer (loopback, nothing listens): 503.
        using var vmware = Factory.CreateSdk(new SimplestackTarget("vmware", "127.0.0.1:1") { Username = "root", Password = "pw" });
        var unreachable = await Assert.ThrowsAsync<HypervisorException>(() => vmware.Guests.ListAsync(Ct));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unreachable.Status);
    }

    [Fact]
    public void Error_bodies_map_to_exception_types()
    {
        Assert.IsType<HypervisorException>(SimplestackApiException.FromResponse(HttpStatusCode.BadGateway, """{"error":"HypervisorError","message":"boom"}"""));
        Assert.IsType<HypervisorException>(SimplestackApiException.FromResponse(HttpStatusCode.ServiceUnavailable, null));
        Assert.IsType<HypervisorException>(SimplestackApiException.FromResponse(HttpStatusCode.GatewayTimeout, "<html>proxy</html>"));
        Assert.IsType<UnauthorizedException>(SimplestackApiException.FromResponse(HttpStatusCode.Unauthorized, """{"error":"Unauthorized","message":"no"}"""));
        Assert.IsType<InvalidArgumentsException>(SimplestackApiException.FromResponse(HttpStatusCode.RequestEntityTooLarge, null));
        Assert.IsType<SimplestackApiException>(SimplestackApiException.FromResponse(HttpStatusCode.InternalServerError, null));

        var e = SimplestackApiException.FromResponse(HttpStatusCode.BadGateway, """{"error":"HypervisorError","message":"libvirt said no"}""");
        Assert.Equal("HypervisorError", e.Error);
        Assert.Equal("libvirt said no", e.Message);
        var html = SimplestackApiException.FromResponse(HttpStatusCode.GatewayTimeout, "<html>proxy</html>");
        Assert.Contains("504", html.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Credentials_travel_in_the_two_headers()
    {
        Factory.Requests.Clear();
        using var sdk = Factory.CreateSdk(SimplestackTarget.Test with { Username = "alice", Password = "pa:ss", ApiKey = "key-123" });
        await sdk.Pool.GetAsync(Ct);
        var request = Assert.Single(Factory.Requests);
        Assert.Equal(
            Convert.ToBase64String("alice:pa:ss"u8.ToArray()),
            Assert.Single(request.Headers.GetValues(SimplestackTarget.HypervisorTokenHeader)));
        Assert.Equal("key-123", Assert.Single(request.Headers.GetValues(SimplestackTarget.ApiKeyHeader)));
        Assert.DoesNotContain("pa:ss", sdk.Target.ToString(), StringComparison.Ordinal);

        Factory.Requests.Clear();
        await Sdk.Pool.GetAsync(Ct);
        Assert.False(Assert.Single(Factory.Requests).Headers.Contains(SimplestackTarget.HypervisorTokenHeader));
    }
}
