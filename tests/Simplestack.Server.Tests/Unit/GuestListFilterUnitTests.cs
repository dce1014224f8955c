using Simplestack.Core;
using Simplestack.Server.Endpoints;

namespace Simplestack.Server.Tests.Unit;

public class GlobTests
{
    [Theory]
    [InlineData("web*", "web", true)]
    [InlineData("web*", "web-01", true)]
    [InlineData("web*", "a-web", false)]
    [InlineData("*web", "a-web", true)]
    [InlineData("w?b", "web", true)]
    [InlineData("w?b", "wb", false)]
    [InlineData("w?b", "weeb", false)]
    [InlineData("*", "", true)]
    [InlineData("", "", true)]
    [InlineData("", "x", false)]
    [InlineData("a*b*c", "aXXbYYc", true)]
    [InlineData("a*b*c", "aXXbYY", false)]
    [InlineData("Web*", "web", false)]
    [InlineData("**?", "x", true)]
    [InlineData("日本*", "日本語のゲスト", true)]
    public void Matches(string pattern, string name, bool expected) => Assert.Equal(expected, Glob.IsMatch(pattern, name));

    [Fact]
    public void A_hostile_pattern_does_not_blow_up()
    {
        var pattern = string.Concat(Enumerable.Repeat("*a", 2000)) + "b";
        Assert.False(Glob.IsMatch(pattern, new string('a', 5000)));
    }
}

public class GuestListFilterUnitTests
{
    private static Guest G(string name, GuestState state, params string[] tags)
        => new(name, name, 1, 128, 0, false, false, null, [], state, state.ToString(), "h") { Tags = tags };

    [Fact]
    public void No_parameter_is_no_filter() => Assert.Null(GuestListFilter.Parse(null, null, null));

    [Fact]
    public void Filters_combine()
    {
        var filter = GuestListFilter.Parse("started", "web*", "prod")!;
        Guest[] guests = [G("web1", GuestState.STARTED, "prod"), G("web2", GuestState.STOPPED, "prod"), G("web3", GuestState.STARTED), G("db", GuestState.STARTED, "prod")];
        Assert.Equal(["web1"], filter.Apply(guests).Select(g => g.Name));
        Assert.True(filter.NeedsTags);
    }

    [Fact]
    public void A_guest_without_known_tags_matches_no_tag()
        => Assert.False(GuestListFilter.Parse(null, null, "x")!.Matches(G("a", GuestState.STOPPED) with { Tags = null }));

    [Theory]
    [InlineData("running")]
    [InlineData("")]
    [InlineData("STARTED ")]
    public void Other_state_words_are_invalid(string state)
        => Assert.Throws<InvalidArgumentException>(() => GuestListFilter.Parse(state, null, null));

    [Fact]
    public void Tag_filter_on_a_list_without_tags_is_not_implemented()
    {
        var connection = new FakeConnection(new HypervisorTarget("fake", "h"), null);
        Assert.Throws<FeatureNotImplementedException>(() => GuestListFilter.Parse(null, null, "x")!.CheckServedBy(connection, "fake"));
        GuestListFilter.Parse("STOPPED", null, null)!.CheckServedBy(connection, "fake");
    }
}

public class GuestWaitTests
{
    private static readonly GuestWaitOptions Options = new() { DefaultWaitForSeconds = 120, MaxWaitForSeconds = 300 };

    [Fact]
    public void Parse()
    {
        Assert.Null(GuestWait.Parse(null, null, Options));
        Assert.Equal(TimeSpan.FromSeconds(120), GuestWait.Parse("ip", null, Options));
        Assert.Equal(TimeSpan.FromSeconds(2.5), GuestWait.Parse("IP", 2.5, Options));
        Assert.Equal(TimeSpan.FromSeconds(300), GuestWait.Parse("ip", 300, Options));
        Assert.Throws<InvalidArgumentException>(() => GuestWait.Parse("ip", 300.5, Options));
        Assert.Throws<InvalidArgumentException>(() => GuestWait.Parse("ip", double.PositiveInfinity, Options));
        Assert.Throws<InvalidArgumentException>(() => GuestWait.Parse("state", null, Options));
        Assert.Throws<InvalidArgumentException>(() => GuestWait.Parse(null, 5, Options));
    }

    /// <summary>A connection whose guest gets an address at its nth read.</summary>
    private sealed class Booting(int addressAtRead) : IHypervisorConnection
    {
        public int Reads;

        public HypervisorTarget Target { get; } = new("fake", "h");

        public bool IsAlive => true;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        public Task<PoolInfo> GetPoolInfoAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<HostInfo>> ListHostsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<HostInfo> GetHostAsync(string hostId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<Guest>> ListGuestsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Guest> GetGuestAsync(string guestId, CancellationToken cancellationToken)
        {
            var read = Interlocked.Increment(ref Reads);
            var ip = read >= addressAtRead ? "192.0.2.7" : null;
            return Task.FromResult(new Guest(guestId, guestId, 1, 128, 0, false, false, ip, ip is null ? [] : [ip], GuestState.STARTED, "running", "h"));
        }
    }

    [Fact]
    public async Task Answers_the_guest_once_it_has_an_address()
    {
        var connection = new Booting(addressAtRead: 3);
        var guest = await GuestWait.ForIpAsync(connection, "g", TimeSpan.FromSeconds(30), TimeProvider.System, TestContext.Current.CancellationToken);
        Assert.Equal("192.0.2.7", guest.Ip);
        Assert.Equal(3, connection.Reads);
    }

    [Fact]
    public async Task Times_out_with_the_domain_timeout()
    {
        var connection = new Booting(addressAtRead: int.MaxValue);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAsync<HypervisorTimeoutException>(
            () => GuestWait.ForIpAsync(connection, "g", TimeSpan.FromMilliseconds(500), TimeProvider.System, TestContext.Current.CancellationToken));
        Assert.True(connection.Reads is >= 2 and <= 6, $"{connection.Reads} reads in {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task The_request_abort_ends_the_wait()
    {
        var connection = new Booting(addressAtRead: int.MaxValue);
        using var abort = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => GuestWait.ForIpAsync(connection, "g", TimeSpan.FromSeconds(60), TimeProvider.System, abort.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
    }
}
