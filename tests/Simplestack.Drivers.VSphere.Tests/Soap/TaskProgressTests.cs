using Simplestack.Core.Work;
using Simplestack.Drivers.VSphere.Soap;
using Simplestack.Drivers.VSphere.Tests.Inventory;
using static Simplestack.Drivers.VSphere.Tests.Inventory.CannedVim;

namespace Simplestack.Drivers.VSphere.Tests.Soap;

/// <summary>
/// What vcsim 0.24.2 cannot show (its tasks end within their call and never set
/// <c>info.progress</c>): a task read while it runs, from canned SOAP; and how a step's progress
/// becomes the whole work's.
/// </summary>
public sealed class TaskProgressTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_running_task_s_progress_is_heard_each_time_it_is_read_until_it_succeeds()
    {
        var vim = new CannedVim();
        var reads = new Queue<string>([
            Running(null), Running("30"), Running("60"), Running("45"),
            Text("propSet", "info.state", "success") + """<propSet><name>info.result</name><val type="VirtualMachine" xsi:type="ManagedObjectReference">vm-7</val></propSet>""",
        ]);
        vim.Answer("RetrievePropertiesEx", request =>
        {
            Assert.Contains("info.progress", request.Descendants().Where(e => e.Name.LocalName == "pathSet").Select(e => e.Value));
            return $"""<returnval><objects><obj type="Task">task-1</obj>{reads.Dequeue()}</objects></returnval>""";
        });
        await using var connection = await vim.ConnectAsync(Ct);
        var heard = new List<int>();

        var result = await new PropertyCollector(connection.Session).WaitForTaskAsync(new MoRef("Task", "task-1"), "CloneVM_Task", TimeSpan.FromMinutes(1), Ct, heard.Add);

        Assert.Equal("vm-7", result?.Value);
        Assert.Equal([30, 60, 45], heard); // As read: keeping it from going back is the reporter's part.
        Assert.Empty(reads);
    }

    [Fact]
    public void A_step_s_share_is_reported_within_its_part_of_the_whole_never_going_back_and_at_most_once_a_percent()
    {
        var seen = new List<WorkProgress>();
        using (WorkContext.Begin(new WorkContext { Progress = new Sink(seen) }))
        {
            var share = new TaskShare(90, 100, "configuring");
            Assert.True(share.Followed);
            foreach (var percent in new[] { 0, 50, 40, 55, 100, 100 })
            {
                share.Report(percent);
            }
        }

        Assert.Equal([90d, 95d, 100d], seen.Select(p => p.Percent));
        Assert.All(seen, p => Assert.Equal("configuring", p.Phase));

        // Nobody following: nothing is reported, and the reader knows not to read progress at all.
        var unfollowed = TaskShare.Whole("cloning");
        unfollowed.Report(50);
        Assert.False(unfollowed.Followed);
        Assert.Equal(3, seen.Count);
    }

    private static string Running(string? progress)
        => Text("propSet", "info.state", "running") + (progress is null ? "" : Text("propSet", "info.progress", progress));

    private sealed class Sink(List<WorkProgress> into) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => into.Add(value);
    }
}
