using System.Xml.Linq;
using Simplestack.Core;
using Simplestack.Drivers.VSphere.Soap;

namespace Simplestack.Drivers.VSphere.Tests.Soap;

/// <summary>The one table from vSphere faults to the domain's errors, and what its messages never show.</summary>
public sealed class VimFaultsTests
{
    [Theory]
    [InlineData("InvalidLogin", ErrorKind.Unauthorized)]
    [InlineData("NotAuthenticated", ErrorKind.Unauthorized)]
    [InlineData("ManagedObjectNotFound", ErrorKind.EntityNotFound)]
    [InlineData("InvalidPowerState", ErrorKind.Conflict)]
    [InlineData("TaskInProgress", ErrorKind.Conflict)]
    [InlineData("DuplicateName", ErrorKind.Conflict)]
    [InlineData("ToolsUnavailable", ErrorKind.Conflict)]
    [InlineData("FileNotFound", ErrorKind.EntityNotFound)]
    [InlineData("FileAlreadyExists", ErrorKind.Conflict)]
    [InlineData("FileLocked", ErrorKind.Conflict)]
    [InlineData("InvalidDeviceSpec", ErrorKind.InvalidArguments)]
    [InlineData("InvalidDatastorePath", ErrorKind.InvalidArguments)]
    [InlineData("ResourceInUse", ErrorKind.Conflict)]
    [InlineData("InvalidArgument", ErrorKind.InvalidArguments)]
    [InlineData("InvalidRequest", ErrorKind.InvalidArguments)]
    [InlineData("MethodNotFound", ErrorKind.FeatureNotAvailable)]
    [InlineData("NotSupported", ErrorKind.FeatureNotAvailable)]
    [InlineData("HostCommunication", ErrorKind.HypervisorError)]
    [InlineData("SystemError", ErrorKind.HypervisorError)]
    public void Each_fault_type_maps_to_one_error_kind(string faultType, ErrorKind kind)
    {
        var fault = new VimFault("SomeMethod", faultType, null);
        var error = VimFaults.ToDomain(fault);

        Assert.Equal(kind, error.Kind);
        Assert.Same(fault, VimFaults.FaultOf(error));
        Assert.Contains(faultType, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unlisted_faults_are_502_naming_the_fault_and_the_method()
    {
        var error = VimFaults.ToDomain(new VimFault("CreateVM_Task", "InsufficientResourcesFault", null));

        Assert.IsType<HypervisorErrorException>(error);
        Assert.Equal("The vSphere server answered CreateVM_Task with the fault InsufficientResourcesFault.", error.Message);
    }

    [Fact]
    public void Messages_name_states_and_types_but_never_a_managed_object_id_or_the_fault_string()
    {
        var detail = XElement.Parse("""<ManagedObjectNotFoundFault xmlns="urn:vim25"><obj type="VirtualMachine">vm-4242</obj></ManagedObjectNotFoundFault>""");
        var notFound = VimFaults.ToDomain(new VimFault("PowerOnVM_Task", "ManagedObjectNotFound", detail));
        var state = VimFaults.ToDomain(new VimFault("PowerOffVM_Task", "InvalidPowerState",
            XElement.Parse("""<f xmlns="urn:vim25"><requestedState>poweredOn</requestedState><existingState>poweredOff</existingState></f>""")));

        Assert.Contains("VirtualMachine", notFound.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("vm-4242", notFound.Message, StringComparison.Ordinal);
        Assert.Equal("The VM is poweredOff; the operation needs it poweredOn (InvalidPowerState).", state.Message);
    }

    [Fact]
    public void A_login_fault_never_shows_the_credentials_it_was_sent()
    {
        // vSphere's InvalidLogin carries no fields, but a server could echo anything: the message is built from the type alone.
        var answer = XDocument.Parse("""
            <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>
              <soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>Login failed for root with s3cret-Pa55</faultstring>
                <detail><InvalidLoginFault xmlns="urn:vim25" xsi:type="InvalidLogin"><userName>root</userName><password>s3cret-Pa55</password></InvalidLoginFault></detail>
              </soapenv:Fault></soapenv:Body></soapenv:Envelope>
            """);
        var fault = Assert.Throws<VimFault>(() => SoapEnvelope.ReadResponse("Login", answer));
        var error = VimFaults.ToDomain(fault);

        Assert.Equal(ErrorKind.Unauthorized, error.Kind);
        foreach (var text in new[] { error.Message, error.ToString(), fault.Message })
        {
            Assert.DoesNotContain("s3cret-Pa55", text, StringComparison.Ordinal);
        }
    }
}
