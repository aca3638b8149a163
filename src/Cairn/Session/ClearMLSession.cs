using System.Text.Json.Nodes;
using Cairn.Configuration;
using Microsoft.Extensions.Logging;

namespace Cairn.Session;

/// <summary>
/// One authenticated connection to a ClearML-compatible server: logs in with the key pair, keeps
/// the token fresh, sends <c>/v2.23/service.action</c> calls and unwraps the <c>{meta, data}</c>
/// envelope, retrying transient failures until <see cref="ClearMLSettings.RetryDeadline"/>.
/// Thread-safe; share one per process.
/// </summary>
public sealed class ClearMLSession : IAsyncDisposable
{
    /// <summary>Creates a session; the first call logs in.</summary>
    /// <param name="settings">Where the server is and the key pair.</param>
    /// <param name="loggerFactory">Logging; null for none.</param>
    /// <param name="handler">The HTTP handler (tests may pass their own); null for a pooled default.</param>
    public ClearMLSession(ClearMLSettings settings, ILoggerFactory? loggerFactory = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
        _ = loggerFactory;
        _ = handler;
        throw new NotImplementedException("Filled in by the SDK core work.");
    }

    /// <summary>The settings this session was made with.</summary>
    public ClearMLSettings Settings { get; }

    /// <summary>The API version the server's token announced (e.g. 2.31), once logged in.</summary>
    public string? ServerApiVersion { get; }

    /// <summary>
    /// Calls <paramref name="endpoint"/> (<c>service.action</c>) with <paramref name="body"/>
    /// (serialized with ClearML's JSON conventions; a <see cref="JsonNode"/> is sent as is) and
    /// returns the envelope's <c>data</c>.
    /// </summary>
    /// <exception cref="ClearMLRequestException">The server refused the call, or the retry deadline passed.</exception>
    public Task<JsonObject> CallAsync(string endpoint, object? body, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>As <see cref="CallAsync(string, object?, CancellationToken)"/>, with <c>data</c> deserialized to <typeparamref name="T"/>.</summary>
    public Task<T> CallAsync<T>(string endpoint, object? body, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>Sends an <c>application/json-lines</c> batch (<c>events.add_batch</c>) and returns <c>data</c>.</summary>
    public Task<JsonObject> CallBatchAsync(string endpoint, IEnumerable<JsonObject> lines, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>A current token (logging in or refreshing first if needed), for the file server's Bearer header.</summary>
    public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
