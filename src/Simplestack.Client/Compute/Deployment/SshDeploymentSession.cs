using Renci.SshNet;
using Renci.SshNet.Common;

namespace Simplestack.Client.Compute.Deployment;

/// <summary>
/// A deployment session over SSH (SSH.NET): commands through an exec channel, uploads through SFTP,
/// or through <c>cat</c> on an exec channel when the node has no SFTP server.
/// </summary>
public sealed class SshDeploymentSession : IDeploymentSession, IAsyncDisposable, IDisposable
{
    private readonly SshClient _ssh;
    private SftpClient? _sftp;
    private bool _sftpUnavailable;

    private SshDeploymentSession(SshClient ssh, string username)
    {
        _ssh = ssh;
        Username = username;
    }

    public string Username { get; }

    /// <summary>
    /// Connects with a private key, retrying until <paramref name="timeout"/> (a new node's SSH
    /// server may start after its address is known). The node's host key is accepted as new
    /// nodes' keys are, by Libcloud: there is no earlier key to compare it with.
    /// </summary>
    public static async Task<SshDeploymentSession> ConnectAsync(
        string address, int port, string username, string privateKeyPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        Exception? last = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = new PrivateKeyFile(privateKeyPath);
            var ssh = new SshClient(address, port, username, key);
            ssh.ConnectionInfo.Timeout = TimeSpan.FromSeconds(15);
            try
            {
                await ssh.ConnectAsync(cancellationToken);
                return new SshDeploymentSession(ssh, username);
            }
            catch (Exception e) when (e is SshException or System.Net.Sockets.SocketException or TimeoutException or IOException)
            {
                ssh.Dispose();
                last = e;
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                throw new TimeoutException($"SSH to {username}@{address}:{port} did not succeed within {timeout.TotalSeconds:0} s: {last?.Message}", last);
            }

            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        }
    }

    public async Task<CommandResult> RunAsync(string command, CancellationToken cancellationToken)
    {
        using var run = _ssh.CreateCommand(command);
        await run.ExecuteAsync(cancellationToken);
        return new CommandResult(run.ExitStatus ?? -1, run.Result, run.Error);
    }

    public async Task UploadAsync(string path, Stream content, int mode, CancellationToken cancellationToken)
    {
        if (!_sftpUnavailable)
        {
            try
            {
                if (_sftp is null)
                {
                    var sftp = new SftpClient(_ssh.ConnectionInfo);
                    await sftp.ConnectAsync(cancellationToken);
                    _sftp = sftp;
                }

                var start = content.CanSeek ? content.Position : 0;
                try
                {
                    await _sftp.UploadFileAsync(content, path, cancellationToken);
                    SetMode(_sftp, path, mode);
                    return;
                }
                catch (SshException) when (content.CanSeek)
                {
                    content.Position = start;
                    throw;
                }
            }
            catch (SshException) when (content.CanSeek)
            {
                // No SFTP subsystem (dropbear without sftp-server): fall back to cat.
                _sftpUnavailable = true;
                _sftp?.Dispose();
                _sftp = null;
            }
        }

        var quoted = Deployment.Quote(path);
        using var command = _ssh.CreateCommand($"cat > {quoted} && chmod {Convert.ToString(mode, 8)} {quoted}");
        var running = command.ExecuteAsync(cancellationToken);
        await using (var input = command.CreateInputStream())
        {
            await content.CopyToAsync(input, cancellationToken);
        }

        await running;
        if (command.ExitStatus is not 0)
        {
            throw new IOException($"Uploading {path} failed with exit status {command.ExitStatus}: {command.Error.Trim()}");
        }
    }

    /// <summary>
    /// SSH.NET's <c>SetPermissions(short)</c> reads its argument as the octal digits written in decimal
    /// (<c>755</c>, not <c>0x1ED</c>) and takes only 0 to 999, i.e. the nine rwx bits: the setuid,
    /// setgid and sticky bits go through their own attributes.
    /// </summary>
    internal static short SshNetPermissionDigits(int mode)
        => short.Parse(Convert.ToString(mode & 0x1FF, 8), System.Globalization.CultureInfo.InvariantCulture);

    private static void SetMode(SftpClient sftp, string path, int mode)
    {
        var attributes = sftp.GetAttributes(path);
        attributes.SetPermissions(SshNetPermissionDigits(mode));
        attributes.IsUIDBitSet = (mode & 0x800) != 0;
        attributes.IsGroupIDBitSet = (mode & 0x400) != 0;
        attributes.IsStickyBitSet = (mode & 0x200) != 0;
        sftp.SetAttributes(path, attributes);
    }

    public void Dispose()
    {
        _sftp?.Dispose();
        _ssh.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
