using System.Net;
using System.Net.Http.Headers;
using Simplestack.Core;
using Simplestack.Libvirt;

namespace Simplestack.Server.Tests.Http;

public class GuestsTests(GatewayFactory factory) : HttpTestBase(factory)
{
    [Fact]
    public async Task The_list_holds_the_test_guest_started()
    {
        var guests = await Client.GetAsync<List<Guest>>($"{Base}/guests");
        var test = Assert.Single(guests, g => g.Name == "test");
        Assert.Equal(GuestState.STARTED, test.State);
        Assert.False(string.IsNullOrEmpty(test.Id));
    }

    [Fact]
    public async Task The_list_is_an_array_of_objects_with_id_and_state_words()
    {
        var json = await (await Client.GetAsync($"{Base}/guests", Ct)).Content.ReadAsStringAsync(Ct);
        Assert.StartsWith("[{\"id\":", json, StringComparison.Ordinal);
        Assert.Contains("\"state\":\"STARTED\"", json, StringComparison.Ordinal);
        Assert.Contains("\"tools_up_to_date\":", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_guest_by_name_and_by_id()
    {
        var byName = await Client.GetAsync<Guest>($"{Base}/guests/test");
        var byId = await Client.GetAsync<Guest>($"{Base}/guests/{byName.Id}");
        Assert.Equal(byName.Id, byId.Id);
        Assert.Equal("test", byId.Name);
    }

    [Fact]
    public async Task An_unknown_guest_is_404_json()
    {
        var error = await (await Client.GetAsync($"{Base}/guests/no-such-guest", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
        Assert.Contains("no-such-guest", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_answers_201_with_a_location_path_that_resolves()
    {
        var name = UniqueName("web");
        var response = await Client.PostJsonAsync($"{Base}/guests", $$"""{"name": "{{name}}", "memory": 256, "cpus": 2}""");
        await response.ShouldBeAsync(HttpStatusCode.Created);
        var guest = await response.ReadAsync<Guest>();
        Assert.Equal(name, guest.Name);
        Assert.Equal(256, guest.Memory);
        Assert.Equal(2, guest.Cpus);

        var location = response.Headers.Location!;
        Assert.False(location.IsAbsoluteUri);
        Assert.Equal($"/test/default/guests/{guest.Id}", location.OriginalString);
        var read = await Client.GetAsync<Guest>(location.OriginalString);
        Assert.Equal(guest.Id, read.Id);

        var (_, exists) = await DomainStateAsync(name);
        Assert.True(exists);
    }

    [Fact]
    public async Task Create_reads_the_body_whatever_its_content_type_and_over_many_lines()
    {
        var name = UniqueName("curl");
        using var content = HttpTestExtensions.JsonBody(
            $"\n\n  {{\n  \"name\": \"{name}\",\n  \"memory\": 128\n}}\n", "application/x-www-form-urlencoded");
        var response = await Client.PostAsync($"{Base}/guests", content, Ct);
        await response.ShouldBeAsync(HttpStatusCode.Created);
        Assert.Equal(name, (await response.ReadAsync<Guest>()).Name);
    }

    [Fact]
    public async Task Create_without_content_type_works()
    {
        var name = UniqueName("bare");
        using var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes($$"""{"name": "{{name}}", "memory": 128}"""));
        var response = await Client.PostAsync($"{Base}/guests", content, Ct);
        await response.ShouldBeAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Create_and_start()
    {
        var guest = await CreateGuestAsync(start: true);
        Assert.Equal(GuestState.STARTED, guest.State);
        Assert.Equal(DomainState.Running, (await DomainStateAsync(guest.Name)).State);
    }

    [Theory]
    [InlineData("""{"name": "x", "memory": 128""")]
    [InlineData("""{"name": "x" "memory": 128}""")]
    [InlineData("""{"name": 'x', "memory": 128}""")]
    public async Task Malformed_json_is_400_json(string body)
    {
        var error = await (await Client.PostJsonAsync($"{Base}/guests", body)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");
        Assert.Contains("line 1", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"memory": 128}""", "name")]
    [InlineData("""{"name": "x"}""", "memory")]
    [InlineData("""{"name": "x", "memory": "lots"}""", "memory")]
    [InlineData("""{"name": "x", "memory": 0}""", "memory")]
    [InlineData("""{"name": "x", "memory": 128, "cpus": 0}""", "cpus")]
    [InlineData("""{"name": "", "memory": 128}""", "name")]
    [InlineData("""{"name": "x", "memory": 128, "disks": [{"size": -1}]}""", "size")]
    public async Task Invalid_create_bodies_are_400_naming_the_field(string body, string field)
    {
        var error = await (await Client.PostJsonAsync($"{Base}/guests", body)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");
        Assert.Contains(field, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \n ")]
    public async Task An_empty_body_is_400(string body)
        => await (await Client.PostJsonAsync($"{Base}/guests", body)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

    [Fact]
    public async Task A_body_over_the_limit_is_413()
    {
        var body = $$"""{"name": "big", "memory": 128, "user_data": "{{new string('x', 70_000)}}"}""";
        await (await Client.PostJsonAsync($"{Base}/guests", body)).ShouldBeErrorAsync(HttpStatusCode.RequestEntityTooLarge, "PayloadTooLarge");
    }

    [Fact]
    public async Task A_taken_name_is_409()
    {
        var guest = await CreateGuestAsync();
        var response = await Client.PostJsonAsync($"{Base}/guests", $$"""{"name": "{{guest.Name}}", "memory": 128}""");
        await response.ShouldBeErrorAsync(HttpStatusCode.Conflict, "Conflict");
    }

    [Fact]
    public async Task A_non_json_body_is_an_import_whatever_its_content_type()
    {
        using var content = new ByteArrayContent(new byte[1024]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json"); // as the Ruby client mislabels it
        var response = await Client.PostAsync($"{Base}/guests", content, Ct);
        var error = await response.ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");
        Assert.Contains("archive", error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Import_into_a_storage_reads_the_archive()
    {
        using var content = new ByteArrayContent(new byte[1024]);
        var response = await Client.PostAsync($"{Base}/storages/default-pool/guests", content, Ct);
        var error = await response.ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");
        Assert.Contains("archive", error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Import_with_an_empty_body_is_400()
        => await (await Client.PostAsync($"{Base}/storages/default-pool/guests", new ByteArrayContent([]), Ct)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

    [Fact]
    public async Task Export_of_a_running_guest_is_409()
    {
        var guest = await CreateGuestAsync(start: true);
        await (await Client.GetAsync($"{Base}/guests/{guest.Id}/export", Ct)).ShouldBeErrorAsync(HttpStatusCode.Conflict, "Conflict");
    }

    [Fact]
    public async Task Export_of_an_unknown_guest_is_404()
        => await (await Client.GetAsync($"{Base}/guests/no-such-guest/export", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");

    [Fact]
    public async Task Export_then_delete_then_import_gives_the_guest_back()
    {
        // Without disks: the test hypervisor cannot download volumes (no virStorageVolDownload).
        var guest = await CreateGuestAsync();
        var export = await Client.GetAsync($"{Base}/guests/{guest.Id}/export", HttpCompletionOption.ResponseHeadersRead, Ct);
        await export.ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal("application/x-tar", export.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", export.Content.Headers.ContentDisposition?.DispositionType);
        var archive = await export.Content.ReadAsByteArrayAsync(Ct);
        if (export.Content.Headers.ContentLength is { } length)
        {
            Assert.Equal(length, archive.Length);
        }

        await (await Client.DeleteAsync($"{Base}/guests/{guest.Id}", Ct)).ShouldBeAsync(HttpStatusCode.NoContent);
        Assert.False((await DomainStateAsync(guest.Name)).Exists);

        using var content = new ByteArrayContent(archive);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json"); // mislabelled, as the Ruby client does
        var imported = await Client.PostAsync($"{Base}/guests", content, Ct);
        await imported.ShouldBeAsync(HttpStatusCode.Created);
        var back = await imported.ReadAsync<Guest>();
        Assert.Equal(guest.Name, back.Name);
        Assert.Equal($"/test/default/guests/{back.Id}", imported.Headers.Location!.OriginalString);
        Assert.True((await DomainStateAsync(guest.Name)).Exists);
        Assert.Equal(guest.Memory, back.Memory);
    }

    [Fact]
    public async Task Clone_answers_201_with_a_new_guest()
    {
        var guest = await CreateGuestAsync();
        var name = UniqueName("clone");
        var response = await Client.PostJsonAsync($"{Base}/guests/{guest.Id}/clone", $$"""{"name": "{{name}}"}""");
        await response.ShouldBeAsync(HttpStatusCode.Created);
        var clone = await response.ReadAsync<Guest>();
        Assert.Equal(name, clone.Name);
        Assert.NotEqual(guest.Id, clone.Id);
        Assert.Equal(clone.Id, (await Client.GetAsync<Guest>(response.Headers.Location!.OriginalString)).Id);
        Assert.True((await DomainStateAsync(name)).Exists);
        Assert.True((await DomainStateAsync(guest.Name)).Exists);
    }

    [Fact]
    public async Task Clone_of_a_running_guest_is_409()
    {
        var guest = await CreateGuestAsync(start: true);
        var response = await Client.PostJsonAsync($"{Base}/guests/{guest.Id}/clone", $$"""{"name": "{{UniqueName("clone")}}"}""");
        await response.ShouldBeErrorAsync(HttpStatusCode.Conflict, "Conflict");
    }

    [Fact]
    public async Task Clone_to_a_taken_name_is_409()
    {
        var guest = await CreateGuestAsync();
        var response = await Client.PostJsonAsync($"{Base}/guests/{guest.Id}/clone", """{"name": "test"}""");
        await response.ShouldBeErrorAsync(HttpStatusCode.Conflict, "Conflict");
    }

    [Fact]
    public async Task Clone_without_a_name_is_400()
        => await (await Client.PostJsonAsync($"{Base}/guests/test/clone", "{}")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

    [Fact]
    public async Task Update_changes_memory_and_cpus_and_reads_back()
    {
        var guest = await CreateGuestAsync();
        var response = await Client.PutJsonAsync($"{Base}/guests/{guest.Id}", """{"memory": 512, "cpus": 2}""");
        await response.ShouldBeAsync(HttpStatusCode.OK);
        var updated = await response.ReadAsync<Guest>();
        Assert.Equal(512, updated.Memory);
        Assert.NotNull(updated.Applied);

        var read = await Client.GetAsync<Guest>($"{Base}/guests/{guest.Id}");
        Assert.Equal(512, read.Memory);
        Assert.Equal(2, read.Cpus);

        var libvirt = await LibvirtAsync();
        using var domain = libvirt.TryLookupDomainByName(guest.Name)!;
        var info = domain.GetInfo();
        Assert.Equal(2, info.VirtualCpus);
        Assert.Equal(512UL * 1024, info.MaxMemoryKiB);
    }

    [Fact]
    public async Task Update_renames()
    {
        var guest = await CreateGuestAsync();
        var name = UniqueName("renamed");
        await (await Client.PutJsonAsync($"{Base}/guests/{guest.Id}", $$"""{"name": "{{name}}"}""")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(name, (await Client.GetAsync<Guest>($"{Base}/guests/{guest.Id}")).Name);
        Assert.True((await DomainStateAsync(name)).Exists);
    }

    [Theory]
    [InlineData("")]
    [InlineData("""{"memory": -5}""")]
    [InlineData("""{"cpus": 5000}""")]
    [InlineData("""{"hdd": 0}""")]
    [InlineData("""{"memory": "x"}""")]
    public async Task Invalid_updates_are_400(string body)
        => await (await Client.PutJsonAsync($"{Base}/guests/test", body)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

    [Fact]
    public async Task Update_of_an_unknown_guest_is_404()
        => await (await Client.PutJsonAsync($"{Base}/guests/no-such-guest", """{"memory": 256}""")).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");

    [Fact]
    public async Task Delete_answers_204_and_the_guest_is_gone()
    {
        var guest = await CreateGuestAsync();
        var response = await Client.DeleteAsync($"{Base}/guests/{guest.Id}", Ct);
        await response.ShouldBeAsync(HttpStatusCode.NoContent);
        await (await Client.GetAsync($"{Base}/guests/{guest.Id}", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
        Assert.False((await DomainStateAsync(guest.Name)).Exists);
    }

    [Fact]
    public async Task Delete_a_running_guest_keeping_disks()
    {
        var guest = await CreateGuestAsync(start: true);
        await (await Client.DeleteAsync($"{Base}/guests/{guest.Id}?keep_disks=true", Ct)).ShouldBeAsync(HttpStatusCode.NoContent);
        Assert.False((await DomainStateAsync(guest.Name)).Exists);
    }

    [Fact]
    public async Task Delete_with_an_invalid_keep_disks_is_400()
        => await (await Client.DeleteAsync($"{Base}/guests/test?keep_disks=maybe", Ct)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "InvalidArguments");

    [Fact]
    public async Task Delete_of_an_unknown_guest_is_404()
        => await (await Client.DeleteAsync($"{Base}/guests/no-such-guest", Ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, "EntityNotFound");
}
