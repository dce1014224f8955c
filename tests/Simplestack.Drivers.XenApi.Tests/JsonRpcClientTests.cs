using System.Net;
using System.Text.Json;
using Simplestack.Core;
using Simplestack.Drivers.XenApi.Rpc;

namespace Simplestack.Drivers.XenApi.Tests;

public class JsonRpcClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JsonRpcClient Client(FakeXapi xapi) => new(JsonRpcClient.EndpointFor("pool.test", 8443), xapi);

    [Fact]
    public void The_endpoint_is_https_jsonrpc_on_the_targets_port()
    {
        Assert.Equal("https://pool.test:8443/jsonrpc", JsonRpcClient.EndpointFor("pool.test", 8443).ToString());
        Assert.Equal("https://pool.test/jsonrpc", JsonRpcClient.EndpointFor("pool.test", null).ToString());
    }

    [Fact]
    public async Task A_call_is_json_rpc_2_with_the_parameters_in_order_and_exactly_application_json()
    {
        var xapi = new FakeXapi().On("VM.get_power_state", "\"Running\"");
        using var client = Client(xapi);

        var state = await client.CallAsync("VM.get_power_state", XenApiJson.Default.String, ["OpaqueRef:s", "OpaqueRef:vm", true, 5L], Ct);

        Assert.Equal("Running", state);
        var call = Assert.Single(xapi.Calls);
        Assert.Equal("VM.get_power_state", call.Method);
        Assert.Equal("""["OpaqueRef:s","OpaqueRef:vm",true,5]""", call.Params.ToJsonString());
        Assert.Equal("application/json", call.ContentType);
        Assert.Equal("https://pool.test:8443/jsonrpc", call.Uri!.ToString());
        var request = JsonDocument.Parse(JsonRpcClient.WriteRequest("m", [], 7)).RootElement;
        Assert.Equal("2.0", request.GetProperty("jsonrpc").GetString());
        Assert.Equal(7, request.GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task A_version_2_error_is_a_failure_with_its_code_and_parameters()
    {
        var xapi = new FakeXapi().On("VM.start", _ => FakeXapi.Error("VM_BAD_POWER_STATE", "OpaqueRef:vm", "halted", "running"));
        using var client = Client(xapi);

        var failure = await Assert.ThrowsAsync<XenApiFailure>(() => client.CallAsync("VM.start", XenApiJson.Default.JsonElement, [], Ct));

        Assert.Equal("VM_BAD_POWER_STATE", failure.Code);
        Assert.Equal(["OpaqueRef:vm", "halted", "running"], failure.Parameters);
    }

    [Fact]
    public async Task A_version_1_error_array_is_read_too()
    {
        var xapi = new FakeXapi().On("VM.get_by_uuid", _ => """{"result":null,"error":["UUID_INVALID","VM","abc"],"id":1}""");
        using var client = Client(xapi);

        var failure = await Assert.ThrowsAsync<XenApiFailure>(() => client.CallAsync("VM.get_by_uuid", XenApiJson.Default.String, [], Ct));

        Assert.Equal("UUID_INVALID", failure.Code);
        Assert.Equal(["VM", "abc"], failure.Parameters);
    }

    [Fact]
    public async Task A_version_1_success_with_a_null_error_is_a_result()
    {
        var xapi = new FakeXapi().On("VM.get_tags", _ => """{"result":["a","b"],"error":null,"id":1}""");
        using var client = Client(xapi);

        Assert.Equal(["a", "b"], await client.CallAsync("VM.get_tags", XenApiJson.Default.ListString, [], Ct));
    }

    [Fact]
    public async Task Numbers_sent_as_strings_are_read_as_numbers()
    {
        var xapi = new FakeXapi().On("VM.get_record", Canned.Vm(Canned.WebUuid, "web1", "Halted"));
        using var client = Client(xapi);

        var vm = await client.CallAsync("VM.get_record", XenApiJson.Default.VmRecord, [], Ct);

        Assert.Equal(1073741824, vm.MemoryStaticMax);
        Assert.Equal(2, vm.VcpusMax);
        Assert.Equal(2, vm.VcpusAtStartup);
        Assert.Equal("hvm", vm.DomainType);
    }

    [Fact]
    public async Task A_transport_failure_is_503_naming_the_pool_and_nothing_else()
    {
        var xapi = new FakeXapi { Fail = _ => new HttpRequestException(HttpRequestError.ConnectionError, "refused") };
        using var client = Client(xapi);

        var error = await Assert.ThrowsAsync<HypervisorUnavailableException>(() => client.CallAsync("session.login_with_password", XenApiJson.Default.String, ["root", "s3cret"], Ct));

        Assert.Contains("pool.test:8443", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_refusal_is_503_saying_how_to_trust_it()
    {
        var xapi = new FakeXapi { Fail = _ => new HttpRequestException("ssl", new System.Security.Authentication.AuthenticationException("untrusted")) };
        using var client = Client(xapi);

        var error = await Assert.ThrowsAsync<HypervisorUnavailableException>(() => client.CallAsync("x", XenApiJson.Default.String, [], Ct));

        Assert.Contains("CertificatePins", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_answer_that_is_not_json_rpc_is_502()
    {
        using var document = JsonDocument.Parse("[1,2]");
        Assert.Throws<HypervisorErrorException>(() => JsonRpcClient.ReadAnswer("m", document.RootElement, XenApiJson.Default.String));
        using var neither = JsonDocument.Parse("{\"id\":1}");
        Assert.Throws<HypervisorErrorException>(() => JsonRpcClient.ReadAnswer("m", neither.RootElement, XenApiJson.Default.String));
    }

    [Fact]
    public async Task An_http_error_page_is_502()
    {
        using var handler = new StatusHandler(HttpStatusCode.InternalServerError);
        using var client = new JsonRpcClient(JsonRpcClient.EndpointFor("pool.test", null), handler, disposeHandler: false);

        await Assert.ThrowsAsync<HypervisorErrorException>(() => client.CallAsync("m", XenApiJson.Default.String, [], Ct));
    }

    private sealed class StatusHandler(HttpStatusCode status) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            => Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent("<html>boom</html>") });
    }
}
