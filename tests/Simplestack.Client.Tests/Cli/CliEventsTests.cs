namespace Simplestack.Client.Tests.Cli;

public sealed class CliEventsTests(GatewayFactory factory) : CliTestBase(factory)
{
    [Fact]
    public async Task Events_prints_one_line_per_event_and_stops_after_count()
    {
        var running = RunAsync("events", "--count", "1");
        await Task.Delay(300, Ct); // the stream is joined
        var guest = await CreateGuestAsync();
        var run = await running.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(0, run.ExitCode);
        var fields = Assert.Single(run.Out.TrimEnd().Split('\n')).Split('\t');
        Assert.Equal(("guest.created", guest.Name, guest.Id), (fields[1], fields[2], fields[3]));
    }
}
