using System.Text;
using Simplestack.Server.Requests;

namespace Simplestack.Server.Tests.Unit;

public class BodyKindTests
{
    private static BodyKind Detect(string text, bool complete = true) => BodyKindDetector.Detect(Encoding.UTF8.GetBytes(text), complete);

    [Theory]
    [InlineData("{\"name\":\"a\"}")]
    [InlineData("  \r\n\t {\"name\":\"a\"}")]
    [InlineData("\uFEFF{}")]
    public void Json_when_the_first_non_blank_byte_is_a_brace(string body)
        => Assert.Equal(BodyKind.Json, Detect(body));

    [Theory]
    [InlineData("manifest.json\0\0\0")]
    [InlineData("[1,2]")]
    [InlineData("name=web1&memory=512")]
    [InlineData("  x")]
    public void Stream_otherwise(string body)
        => Assert.Equal(BodyKind.Stream, Detect(body));

    [Fact]
    public void A_tar_header_is_a_stream()
    {
        var header = new byte[512];
        Encoding.ASCII.GetBytes("manifest.json").CopyTo(header, 0);
        Assert.Equal(BodyKind.Stream, BodyKindDetector.Detect(header, isComplete: false));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \r\n ")]
    public void Empty_when_complete_and_blank(string body)
        => Assert.Equal(BodyKind.Empty, Detect(body));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Undecided_while_only_blanks_arrived(string body)
        => Assert.Equal(BodyKind.Undecided, Detect(body, complete: false));

    [Fact]
    public void A_partial_byte_order_mark_waits_for_more()
        => Assert.Equal(BodyKind.Undecided, BodyKindDetector.Detect([0xEF, 0xBB], isComplete: false));

    [Fact]
    public void Content_type_plays_no_part_a_binary_body_starting_with_a_brace_is_json()
        => Assert.Equal(BodyKind.Json, BodyKindDetector.Detect([(byte)'{', 0x00, 0xFF], isComplete: true));
}
