using System.Text;

namespace Simplestack.XenApi.Simulator.Hosting;

/// <summary>
/// A vt100 console's far end, as a PV guest's shell on hvc0 would behave: typed characters are
/// echoed, and a line ended by Enter gets its answer and a new prompt. It knows <c>echo ...</c>
/// and <c>hostname</c> (the VM's name_label); anything else is "not found". Nothing is sent before
/// the first keystroke, as on a real console.
/// </summary>
internal static class TextConsole
{
    private const int MaxLine = 4096;

    public static async Task ServeAsync(Stream input, Stream output, string name, CancellationToken cancellation)
    {
        var prompt = $"root@{name}:~# ";
        var line = new StringBuilder();
        var buffer = new byte[1024];
        int read;
        while ((read = await input.ReadAsync(buffer, cancellation).ConfigureAwait(false)) > 0)
        {
            var answer = new StringBuilder();
            foreach (var c in Encoding.UTF8.GetString(buffer, 0, read))
            {
                if (c is '\r' or '\n')
                {
                    answer.Append("\r\n").Append(Run(line.ToString().Trim(), name)).Append(prompt);
                    line.Clear();
                }
                else if (line.Length < MaxLine)
                {
                    line.Append(c);
                    answer.Append(c); // the terminal's echo
                }
            }
            await ConsoleTunnel.WriteAsync(output, answer.ToString(), cancellation).ConfigureAwait(false);
        }
    }

    private static string Run(string command, string name) => command switch
    {
        "" => "",
        "hostname" => name + "\r\n",
        _ when command.StartsWith("echo ", StringComparison.Ordinal) => command[5..] + "\r\n",
        _ => $"-bash: {command.Split(' ')[0]}: command not found\r\n",
    };
}
