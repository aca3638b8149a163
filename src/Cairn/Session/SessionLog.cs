using Microsoft.Extensions.Logging;

namespace Cairn.Session;

/// <summary>The session's log messages. None carries the secret key or a token.</summary>
internal static partial class SessionLog
{
    [LoggerMessage(1, LogLevel.Information, "Logged in to {ApiHost} as {AccessKey}; server API {ServerApiVersion}, token expires {Expires}")]
    public static partial void LoggedIn(ILogger logger, Uri apiHost, string accessKey, string? serverApiVersion, DateTimeOffset? expires);

    [LoggerMessage(2, LogLevel.Debug, "{Endpoint} answered {Status} in {ElapsedMs} ms (trx {Trx})")]
    public static partial void Called(ILogger logger, string endpoint, int status, long elapsedMs, string? trx);

    [LoggerMessage(3, LogLevel.Warning, "{Endpoint} attempt {Attempt} failed ({Reason}); retrying in {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, string endpoint, int attempt, string reason, long delayMs);

    [LoggerMessage(4, LogLevel.Information, "{Endpoint} was refused with 401; logging in again and retrying once")]
    public static partial void Reauthenticating(ILogger logger, string endpoint);

    [LoggerMessage(5, LogLevel.Error, "{Endpoint} gave up after {Attempts} attempts: {Reason}")]
    public static partial void GaveUp(ILogger logger, string endpoint, int attempts, string reason);
}
