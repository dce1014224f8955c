using System.Text;
using System.Xml.Linq;
using Simplestack.Drivers.VSphere.Soap;
using static Simplestack.Drivers.VSphere.Soap.Vim;

namespace Simplestack.Drivers.VSphere.Tests.Soap;

/// <summary>Requests written and answers read, with no server: the shapes vim25 expects and sends.</summary>
public sealed class SoapEnvelopeTests
{
    private static readonly MoRef SessionManager = new("SessionManager", "SessionManager");

    [Fact]
    public void A_request_is_a_soap_envelope_whose_body_is_the_method_in_urn_vim25_with_its_parameters_in_order()
    {
        var bytes = SoapEnvelope.WriteRequest("Login", [Ref("_this", SessionManager), E("userName", "root"), E("password", "pw")]);
        var document = XDocument.Parse(Encoding.UTF8.GetString(bytes));

        Assert.Equal(Soapenv + "Envelope", document.Root!.Name);
        var method = Assert.Single(document.Root.Element(Soapenv + "Body")!.Elements());
        Assert.Equal(Ns + "Login", method.Name);
        Assert.Equal(["_this", "userName", "password"], method.Elements().Select(e => e.Name.LocalName));
        Assert.All(method.Elements(), e => Assert.Equal(Ns, e.Name.Namespace));
        Assert.Equal("SessionManager", (string?)method.Element(Ns + "_this")!.Attribute("type"));
        Assert.Equal("SessionManager", method.Element(Ns + "_this")!.Value);
    }

    [Fact]
    public void Polymorphic_values_carry_xsi_type_and_text_is_escaped()
    {
        const string name = "a<b>&c]]>\"'";
        var bytes = SoapEnvelope.WriteRequest("X", [Typed("selectSet", "TraversalSpec", E("type", "ContainerView")), E("name", name)]);
        var text = Encoding.UTF8.GetString(bytes);
        var method = XDocument.Parse(text).Root!.Element(Soapenv + "Body")!.Elements().Single();

        Assert.Equal("TraversalSpec", method.Element(Ns + "selectSet")!.XsiType());
        Assert.Equal(name, method.Element(Ns + "name")!.Value);
        Assert.DoesNotContain("a<b>", text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_answer_is_its_method_Response_element()
    {
        var answer = XDocument.Parse("""
            <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
              <FindByUuidResponse xmlns="urn:vim25"><returnval type="VirtualMachine">vm-42</returnval></FindByUuidResponse>
            </soapenv:Body></soapenv:Envelope>
            """);

        var response = SoapEnvelope.ReadResponse("FindByUuid", answer);

        Assert.Equal(new MoRef("VirtualMachine", "vm-42"), MoRef.From(response.Child("returnval")!));
    }

    [Fact]
    public void A_fault_is_read_by_the_xsi_type_of_its_detail_with_its_fields()
    {
        var answer = XDocument.Parse("""
            <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>
              <soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>The attempted operation cannot be performed in the current state (Powered off).</faultstring>
                <detail><InvalidPowerStateFault xmlns="urn:vim25" xsi:type="InvalidPowerState"><requestedState>poweredOn</requestedState><existingState>poweredOff</existingState></InvalidPowerStateFault></detail>
              </soapenv:Fault>
            </soapenv:Body></soapenv:Envelope>
            """);

        var fault = Assert.Throws<VimFault>(() => SoapEnvelope.ReadResponse("PowerOffVM_Task", answer));

        Assert.Equal("InvalidPowerState", fault.FaultType);
        Assert.Equal("PowerOffVM_Task", fault.Method);
        Assert.Equal("poweredOff", fault.Field("existingState"));
        Assert.DoesNotContain("current state", fault.Message, StringComparison.Ordinal); // the fault string is not kept
    }

    [Fact]
    public void A_fault_without_xsi_type_is_named_by_its_element_and_one_without_detail_is_Fault()
    {
        var named = XElement.Parse("""<Fault><faultcode>x</faultcode><detail><NotAuthenticatedFault xmlns="urn:vim25"/></detail></Fault>""");
        var bare = XElement.Parse("""<Fault><faultcode>x</faultcode><faultstring>boom</faultstring></Fault>""");

        Assert.Equal("NotAuthenticated", SoapEnvelope.ReadFault("RetrievePropertiesEx", named).FaultType);
        Assert.Equal("Fault", SoapEnvelope.ReadFault("RetrievePropertiesEx", bare).FaultType);
    }

    [Fact]
    public void A_task_error_is_the_type_of_its_inner_fault()
    {
        var error = XElement.Parse("""
            <val xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="LocalizedMethodFault">
              <fault xsi:type="TaskInProgress"><task type="Task">task-9</task></fault><localizedMessage>busy</localizedMessage>
            </val>
            """);

        Assert.Equal("TaskInProgress", SoapEnvelope.ReadLocalizedFault("PowerOnVM_Task", error).FaultType);
    }

    [Fact]
    public void Answers_that_are_not_soap_are_502()
    {
        var error = Assert.Throws<Simplestack.Core.HypervisorErrorException>(() => SoapEnvelope.ReadResponse("Login", XDocument.Parse("<html><body>proxy</body></html>")));
        Assert.Contains("Login", error.Message, StringComparison.Ordinal);
    }
}

/// <summary>
/// Characters XML 1.0 cannot carry never reach the server and never become a 500 (a lone surrogate is
/// no such case: the UTF-8 encoder sends it as U+FFFD).
/// </summary>
public sealed class SoapEnvelopeRefusalTests
{
    [Theory]
    [InlineData("nul\0")]
    [InlineData("bell\u0007")]
    public void A_value_xml_cannot_carry_is_400_naming_the_method_but_not_the_value(string value)
    {
        var error = Assert.Throws<Simplestack.Core.InvalidArgumentException>(() => SoapEnvelope.WriteRequest("FindByUuid", [E("uuid", value)]));

        Assert.Contains("FindByUuid", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(value, error.Message, StringComparison.Ordinal);
    }
}
