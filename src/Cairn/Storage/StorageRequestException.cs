using System.Net;

namespace Cairn.Storage;

/// <summary>
/// An object store refused a request (missing bucket, wrong credentials, denied write, a part's
/// checksum rejected). The message names the URL and what to configure; it never carries a secret.
/// </summary>
public sealed class StorageRequestException : ClearMLStorageException
{
    /// <summary>Creates the exception.</summary>
    public StorageRequestException(string url, HttpStatusCode? statusCode, string? errorCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Url = url;
        StatusCode = statusCode;
        ErrorCode = errorCode;
    }

    /// <summary>The URL the request was about.</summary>
    public string Url { get; }

    /// <summary>The HTTP status the store answered, when it answered.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The store's error code (<c>NoSuchBucket</c>, <c>AccessDenied</c>, <c>ContainerNotFound</c>, …).</summary>
    public string? ErrorCode { get; }

    /// <summary>True when the store gave no answer or answered 429, 500, 502, 503 or 504.</summary>
    public override bool IsTransient => StatusCode is null or (HttpStatusCode)429 or HttpStatusCode.InternalServerError
        or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;
}
