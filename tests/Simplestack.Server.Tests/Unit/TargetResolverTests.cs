using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Simplestack.Server.Connections;
using Simplestack.Core;
using Simplestack.Server.Targets;

namespace Simplestack.Server.Tests.Unit;

public sealed class TargetResolverTests
{
    private static (TargetResolver Resolver, CountingLogger Log) Create()
    {
        var drivers = new DriverRegistry().Add("fake", new FakeDriver(), "alias");
        var allowList = AllowList.Parse(["fake/localhost", "fake/10.0.0.0/8"], drivers.Canonical);
        var log = new CountingLogger();
        return (new TargetResolver(drivers, allowList, Options.Create(new AgentOptions()), log), log);
    }

    [Fact]
    public void A_cached_target_keeps_its_pool_key_and_credentials_make_a_target_of_their_own()
    {
        var (resolver, _) = Create();
        var shared = resolver.Resolve("fake", "10.1.2.3");
        var anonymous = shared.Key;

        var withCredentials = shared.WithCredentials(new HypervisorCredentials("root", "hunter2"));

        Assert.Same(anonymous, resolver.Resolve("fake", "10.1.2.3").Key); // computed once for every request
        Assert.Null(anonymous.User);
        Assert.Equal("root", withCredentials.Key.User);
        Assert.Equal(ConnectionKey.For(shared.Target, new HypervisorCredentials("root", "hunter2"), shared: false), withCredentials.Key);
        Assert.NotEqual(anonymous, withCredentials.Key);
        Assert.Null(shared.Credentials); // the cached answer is never changed by a caller's credentials
    }

    [Fact]
    public void An_allowed_target_is_resolved_once_and_the_same_answer_reused()
    {
        var (resolver, _) = Create();
        var first = resolver.Resolve("alias", "10.1.2.3");
        Assert.Equal("fake", first.Target.Hypervisor);
        Assert.Equal("10.1.2.3", first.Target.Host);
        Assert.Equal("alias", first.UrlHypervisor);
        Assert.Null(first.Credentials);
        Assert.Same(first, resolver.Resolve("alias", "10.1.2.3"));
        Assert.NotSame(first, resolver.Resolve("fake", "10.1.2.3")); // the URL's own words are kept per answer
    }

    [Fact]
    public void Refusals_are_not_kept_each_one_is_refused_and_logged_again()
    {
        var (resolver, log) = Create();
        for (var i = 0; i < 3; i++)
        {
            var refused = Assert.Throws<SimplestackException>(() => resolver.Resolve("fake", "192.168.1.1"));
            Assert.Equal(ErrorKind.TargetNotAllowed, refused.Kind);
            Assert.Throws<EntityNotFoundException>(() => resolver.Resolve("nope", "localhost"));
            Assert.Throws<InvalidArgumentException>(() => resolver.Resolve("fake", "bad host!"));
        }

        Assert.Equal(3, log.Warnings);
    }

    private sealed class CountingLogger : ILogger<TargetResolver>
    {
        public int Warnings { get; private set; }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
            => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                Warnings++;
            }
        }
    }
}
