namespace Simplestack.Libvirt;

/// <summary>A libvirt call failed; carries libvirt's own error (read from <c>virGetLastError</c> on the failing thread).</summary>
public class LibvirtException : Exception
{
    public LibvirtException()
        : this("libvirt call failed")
    {
    }

    public LibvirtException(string message)
        : this(message, LibvirtErrorCode.InternalError, 0, 2)
    {
    }

    public LibvirtException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = LibvirtErrorCode.InternalError;
        Level = 2;
    }

    public LibvirtException(string message, LibvirtErrorCode code, int errorDomain, int level)
        : base(message)
    {
        Code = code;
        ErrorDomain = errorDomain;
        Level = level;
    }

    /// <summary>libvirt's <c>virErrorNumber</c>.</summary>
    public LibvirtErrorCode Code { get; }

    /// <summary>libvirt's <c>virErrorDomain</c>: which part of libvirt raised the error.</summary>
    public int ErrorDomain { get; }

    /// <summary>libvirt's <c>virErrorLevel</c> (0 none, 1 warning, 2 error).</summary>
    public int Level { get; }
}
