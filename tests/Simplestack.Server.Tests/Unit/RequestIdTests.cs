using Simplestack.Server.Logging;

namespace Simplestack.Server.Tests.Unit;

public sealed class RequestIdTests
{
    [Fact]
    public void New_ids_are_32_hex_digits_and_all_different()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => RequestIds.New()).ToList();
        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{32}$", id));
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("trace-42.a_b:c", true)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    [InlineData("<xml>", false)]
    [InlineData("ünïcode", false)]
    public void A_sane_incoming_id_is_kept_anything_else_replaced(string incoming, bool kept)
    {
        var id = RequestIds.FromIncoming(incoming);
        Assert.Equal(kept, id == incoming);
        if (!kept)
        {
            Assert.Matches("^[0-9a-f]{32}$", id);
        }
    }

    [Fact]
    public void An_id_longer_than_64_characters_is_replaced()
        => Assert.Matches("^[0-9a-f]{32}$", RequestIds.FromIncoming(new string('a', 65)));
}
