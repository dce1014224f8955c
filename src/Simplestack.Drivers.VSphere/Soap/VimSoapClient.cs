using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Xml;
using System.Xml.Linq;
using Simplestack.Core;

namespace Simplestack.Drivers.VSphere.Soap;

/// <summary>
/// Posts vim25 SOAP calls to <c>https://host[:port]/sdk</c> and keeps the session cookie
/// (<c>vmware_soap_session</c>) the server sets at Login. It knows nothing of sessions beyond that
/// cookie: <see cref="VimSession"/> decides when to log in. The cookie and the request bodies (a
/// Login's holds the password) are never written into an exception or a log.
/// </summary>
public sealed class VimSoapClient : IDisposable
{
    public const string SessionCookie = "vmware_soap_session";

    private readonly HttpClient _http;
    private volatile bool _closed;
    private string? _cookie;

    public VimSoapClient(Uri endpoint, HttpMessageHandler handler, bool disposeHandler = true)
    {
        Endpoint = endpoint;
        // The call policy owns timeouts (the wait for a slot included); HttpClient's own would race it.
        _http = new HttpClient(handler, disposeHandler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary><c>https://host[:port]/sdk</c>.</summary>
    public Uri Endpoint { get; }

    /// <summary>The <c>SOAPAction</c> version: <c>urn:vim25/{apiVersion}</c> once the service content is read.</summary>
    public string ApiVersion { get; set; } = "6.5";

    /// <summary>Whether a session cookie is held (for tests; its value is never shown).</summary>
    public bool HasSession => Volatile.Read(ref _cookie) is not null;

    public static Uri EndpointFor(string host, int? port)
        => new UriBuilder(Uri.UriSchemeHttps, host, port ?? 443, "/sdk").Uri;

    /// <summary>Forgets the session cookie (after a Logout, or before a new Login).</summary>
    public void ForgetSession() => Volatile.Write(ref _cookie, null);

    /// <summary>Calls <paramref name="method"/> and returns its response element; a fault throws <see cref="VimFault"/>.</summary>
    public async Task<XElement> CallAsync(string method, IEnumerable<XElement> parameters, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint)
        {
            Content = new ByteArrayContent(SoapEnvelope.WriteRequest(method, parameters)),
            Version = HttpVersion.Version11,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/xml") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation("SOAPAction", $"\"urn:vim25/{ApiVersion}\"");
        if (Volatile.Read(ref _cookie) is { } cookie)
        {
            request.Headers.TryAddWithoutValidation("Cookie", $"{SessionCookie}={cookie}");
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException error) when (error.InnerException is AuthenticationException)
        {
            throw new HypervisorUnavailableException($"The vSphere server at {Endpoint.Authority} presented a certificate that is not trusted (pin it in Simplestack:VSphere:CertificatePins or name its CA in Simplestack:VSphere:CaFile).", error);
        }
        catch (HttpRequestException error)
        {
            throw new HypervisorUnavailableException($"The vSphere server at {Endpoint.Authority} cannot be reached: {error.HttpRequestError}.", error);
        }
        catch (ObjectDisposedException error) when (_closed)
        {
            throw Closed(error);
        }

        using (response)
        {
            KeepSessionCookie(response);
            if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.InternalServerError))
            {
                throw new HypervisorErrorException($"The vSphere server at {Endpoint.Authority} answered {method} with HTTP {(int)response.StatusCode}, not a SOAP answer.");
            }

            XDocument answer;
            try
            {
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                answer = await XDocument.LoadAsync(body, LoadOptions.None, cancellationToken);
            }
            catch (XmlException error)
            {
                throw new HypervisorErrorException($"The vSphere server at {Endpoint.Authority} answered {method} with something that is not XML.", error);
            }
            catch (Exception error) when (error is IOException or HttpRequestException || (error is ObjectDisposedException && _closed))
            {
                throw new HypervisorUnavailableException($"The vSphere server at {Endpoint.Authority} closed the connection during {method}.", error);
            }

            return SoapEnvelope.ReadResponse(method, answer);
        }
    }

    /// <summary>
    /// Sends a plain HTTP request (a datastore's <c>/folder</c> file, an NFC lease's device URL) to
    /// the same server as the SOAP calls, with the same certificate trust and the session cookie.
    /// <paramref name="pathAndQuery"/> is resolved against the endpoint, so nothing can be sent to
    /// another host. Answers with the response headers read; the caller reads and disposes the body.
    /// </summary>
    public async Task<HttpResponseMessage> SendFileRequestAsync(HttpMethod method, string pathAndQuery, HttpContent? content, IEnumerable<KeyValuePair<string, string>>? headers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pathAndQuery);
        if (!pathAndQuery.StartsWith('/') || pathAndQuery.StartsWith("//", StringComparison.Ordinal))
        {
            throw new ArgumentException("A file request names a path on the vSphere server itself.", nameof(pathAndQuery));
        }

        using var request = new HttpRequestMessage(method, new Uri(Endpoint, pathAndQuery)) { Content = content, Version = HttpVersion.Version11 };
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (Volatile.Read(ref _cookie) is { } cookie)
        {
            request.Headers.TryAddWithoutValidation("Cookie", $"{SessionCookie}={cookie}");
        }

        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException error) when (ContentFault(error) is { } fault)
        {
            // The body being sent failed (an archive cut short, not a tar), not the server: the caller's fault, as it raised it.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(fault);
            throw;
        }
        catch (HttpRequestException error) when (error.InnerException is AuthenticationException)
        {
            throw new HypervisorUnavailableException($"The vSphere server at {Endpoint.Authority} presented a certificate that is not trusted (pin it in Simplestack:VSphere:CertificatePins or name its CA in Simplestack:VSphere:CaFile).", error);
        }
        catch (HttpRequestException error)
        {
            throw new HypervisorUnavailableException($"The vSphere server at {Endpoint.Authority} cannot be reached or closed the connection during a file transfer: {error.HttpRequestError}.", error);
        }
        catch (ObjectDisposedException error) when (_closed)
        {
            throw Closed(error);
        }
    }

    /// <summary>The gateway closed this connection (found dead, or evicted) while a request was still on it.</summary>
    private HypervisorUnavailableException Closed(ObjectDisposedException error)
        => new($"The connection to the vSphere server at {Endpoint.Authority} was closed.", error);

    /// <summary>The exception a request's content raised while it was read, if that is why the request failed.</summary>
    private static Exception? ContentFault(Exception error)
    {
        for (var inner = error.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is EndOfStreamException or InvalidDataException or FormatException or SimplestackException)
            {
                return inner;
            }
        }

        return null;
    }

    private void KeepSessionCookie(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Set-Cookie", out var cookies))
        {
            return;
        }

        foreach (var header in cookies)
        {
            var pair = header.Split(';', 2)[0];
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && pair[..equals].Trim() == SessionCookie)
            {
                Volatile.Write(ref _cookie, pair[(equals + 1)..].Trim().Trim('"'));
            }
        }
    }

    public void Dispose()
    {
        _closed = true;
        _http.Dispose();
    }
}
