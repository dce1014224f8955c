using System.Globalization;
using System.Text;

namespace Simplestack.Client.Compute.Deployment;

/// <summary>The result of a command run on a node.</summary>
public sealed record CommandResult(int ExitStatus, string Stdout, string Stderr);

/// <summary>What a deployment step can do on a node: run a command, upload a file. <see cref="SshDeploymentSession"/> does it over SSH.</summary>
public interface IDeploymentSession
{
    /// <summary>The user the session is logged in as.</summary>
    string Username { get; }

    Task<CommandResult> RunAsync(string command, CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> on the node, with the given Unix mode.</summary>
    Task UploadAsync(string path, Stream content, int mode, CancellationToken cancellationToken);
}

/// <summary>A step run on a freshly deployed node (Libcloud's <c>Deployment</c>).</summary>
public abstract class Deployment
{
    public abstract Task RunAsync(Node node, IDeploymentSession session, CancellationToken cancellationToken);

    /// <summary>Quotes a word for a POSIX shell.</summary>
    protected internal static string Quote(string word) => "'" + word.Replace("'", "'\"'\"'", StringComparison.Ordinal) + "'";
}

/// <summary>Appends a public key to the user's <c>~/.ssh/authorized_keys</c> (Libcloud's <c>SSHKeyDeployment</c>).</summary>
public sealed class SshKeyDeployment : Deployment
{
    public SshKeyDeployment(string publicKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(publicKey);
        if (publicKey.Trim().Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException("One public key, on one line.", nameof(publicKey));
        }

        PublicKey = publicKey.Trim();
    }

    public string PublicKey { get; }

    /// <summary>The key of a <c>.pub</c> file.</summary>
    public static SshKeyDeployment FromFile(string path) => new(File.ReadAllText(path));

    public override async Task RunAsync(Node node, IDeploymentSession session, CancellationToken cancellationToken)
    {
        var command = "umask 077 && mkdir -p ~/.ssh && touch ~/.ssh/authorized_keys && "
            + $"(grep -qxF {Quote(PublicKey)} ~/.ssh/authorized_keys || printf '%s\\n' {Quote(PublicKey)} >> ~/.ssh/authorized_keys)";
        var result = await session.RunAsync(command, cancellationToken);
        if (result.ExitStatus != 0)
        {
            throw new DeploymentException($"Installing the SSH key failed with exit status {result.ExitStatus}: {result.Stderr.Trim()}", node);
        }
    }
}

/// <summary>Uploads a local file to the node (Libcloud's <c>FileDeployment</c>).</summary>
public sealed class FileDeployment(string source, string target, int mode = 420) : Deployment
{
    public string Source { get; } = source;

    public string Target { get; } = target;

    /// <summary>The Unix mode of the uploaded file (default 0644).</summary>
    public int Mode { get; } = mode;

    public override async Task RunAsync(Node node, IDeploymentSession session, CancellationToken cancellationToken)
    {
        await using var content = File.OpenRead(Source);
        await session.UploadAsync(Target, content, Mode, cancellationToken);
    }
}

/// <summary>
/// Uploads a script and runs it, keeping its exit status, standard output and standard error
/// (Libcloud's <c>ScriptDeployment</c>). A non-zero exit does not throw: read <see cref="ExitStatus"/>.
/// </summary>
public sealed class ScriptDeployment : Deployment
{
    public ScriptDeployment(string script, string? name = null, IReadOnlyList<string>? arguments = null, bool delete = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(script);
        Script = script;
        Name = name;
        Arguments = arguments ?? [];
        Delete = delete;
    }

    public string Script { get; }

    /// <summary>Where the script goes on the node; a file in the user's home directory when null.</summary>
    public string? Name { get; private set; }

    public IReadOnlyList<string> Arguments { get; }

    /// <summary>Remove the script after running it.</summary>
    public bool Delete { get; }

    public int? ExitStatus { get; private set; }

    public string? Stdout { get; private set; }

    public string? Stderr { get; private set; }

    public override async Task RunAsync(Node node, IDeploymentSession session, CancellationToken cancellationToken)
    {
        Name ??= $"deployment_{Guid.NewGuid():N}.sh";
        await using (var content = new MemoryStream(Encoding.UTF8.GetBytes(Script)))
        {
            await session.UploadAsync(Name, content, mode: 448, cancellationToken);
        }

        var path = Name.StartsWith('/') ? Quote(Name) : "./" + Quote(Name);
        var command = string.Join(' ', new[] { path }.Concat(Arguments.Select(Quote)));
        var result = await session.RunAsync(command, cancellationToken);
        ExitStatus = result.ExitStatus;
        Stdout = result.Stdout;
        Stderr = result.Stderr;
        if (Delete)
        {
            await session.RunAsync("rm -f " + path, cancellationToken);
        }
    }

    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"script {Name ?? "(not run)"}: exit {ExitStatus?.ToString(CultureInfo.InvariantCulture) ?? "-"}");
}

/// <summary>Runs steps one after another (Libcloud's <c>MultiStepDeployment</c>); the first failure stops it.</summary>
public sealed class MultiStepDeployment : Deployment
{
    private readonly List<Deployment> _steps;

    public MultiStepDeployment(IEnumerable<Deployment>? steps = null) => _steps = [.. steps ?? []];

    public MultiStepDeployment(params Deployment[] steps) => _steps = [.. steps];

    public IReadOnlyList<Deployment> Steps => _steps;

    public MultiStepDeployment Add(Deployment step)
    {
        _steps.Add(step);
        return this;
    }

    public override async Task RunAsync(Node node, IDeploymentSession session, CancellationToken cancellationToken)
    {
        foreach (var step in _steps)
        {
            await step.RunAsync(node, session, cancellationToken);
        }
    }

    /// <summary>Every step, nested multi-steps flattened.</summary>
    public static IEnumerable<Deployment> Flatten(Deployment deployment)
        => deployment is MultiStepDeployment multi ? multi._steps.SelectMany(Flatten) : [deployment];
}

/// <summary>A deployment failed; <see cref="Node"/> is the node it ran on (still there: destroy it or look at it).</summary>
public sealed class DeploymentException : Exception
{
    public DeploymentException()
    {
    }

    public DeploymentException(string message)
        : base(message)
    {
    }

    public DeploymentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DeploymentException(string message, Node? node, Exception? inner = null)
        : base(message, inner) => Node = node;

    public Node? Node { get; }
}
