namespace Cairn;

/// <summary>
/// A call the server refused, or that could not be completed within the retry deadline. Carries
/// the server's result code and subcode (0 when no answer arrived), its message, the endpoint
/// and the server's transaction id (<c>meta.trx</c>) so a failure can be found in the server's log.
/// </summary>
public sealed class ClearMLRequestException : ClearMLException
{
    /// <summary>Creates the exception for a refused or failed call.</summary>
    public ClearMLRequestException(string endpoint, int resultCode, int resultSubcode, string? serverMessage, string? transactionId, Exception? innerException = null)
        : base(Describe(endpoint, resultCode, resultSubcode, serverMessage), innerException)
    {
        Endpoint = endpoint;
        ResultCode = resultCode;
        ResultSubcode = resultSubcode;
        ServerMessage = serverMessage;
        TransactionId = transactionId;
    }

    /// <summary>The <c>service.action</c> that was called.</summary>
    public string Endpoint { get; }

    /// <summary>The envelope's <c>meta.result_code</c> (HTTP status); 0 when no response arrived.</summary>
    public int ResultCode { get; }

    /// <summary>The envelope's <c>meta.result_subcode</c>, e.g. 101 for "invalid task id".</summary>
    public int ResultSubcode { get; }

    /// <summary>The envelope's <c>meta.result_msg</c>, as the server wrote it.</summary>
    public string? ServerMessage { get; }

    /// <summary>The envelope's <c>meta.trx</c>.</summary>
    public string? TransactionId { get; }

    /// <summary>
    /// True when no answer arrived (connection refused or lost, no answer in time, the retry
    /// deadline passed on such failures) or the server answered 429, 502, 503 or 504: the same
    /// call may succeed later. False for refusals (400 with a subcode, 401, 403, 404, 500).
    /// </summary>
    public override bool IsTransient => ResultCode is 0 or 429 or 502 or 503 or 504;

    private static string Describe(string endpoint, int code, int subcode, string? message) =>
        code == 0
            ? $"{endpoint} failed: {message}"
            : $"{endpoint} failed with {code}/{subcode}: {message}";
}
