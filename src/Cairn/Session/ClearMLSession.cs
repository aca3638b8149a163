using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Cairn.Configuration;
using Cairn.Protocol;
using Cairn.Protocol.Services;
using Cairn.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Session;

/// <summary>
/// One authenticated connection to a ClearML-compatible server: logs in with the key pair, keeps
/// the token fresh, sends <c>/v2.23/service.action</c> calls and unwraps the <c>{meta, data}</c>
/// envelope, retrying transient failures until <see cref="ClearMLSettings.RetryDeadline"/>.
/// Thread-safe; share one per process.
/// </summary>
public sealed class ClearMLSession : IAsyncDisposable
{
    /// <summary>The API version whose request shapes the SDK speaks (ClearML's newest bundled schema).</summary>
    public static readonly ApiVersion ClientApiVersion = new(2, 23);

    /// <summary>ClearML's <c>api.http.max_req_size</c>: batches are cut into bodies no larger than this.</summary>
    internal const int MaxRequestBytes = 15_728_640;

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json") { CharSet = "utf-8" };

    private static readonly MediaTypeHeaderValue JsonLinesContentType = new(ClearmlHeaders.JsonLines);

    private static readonly AsyncLocal<CallScope?> CurrentCall = new();

    private static readonly string[] ClientHeaderPrefixes = [ClearmlHeaders.Prefix, ClearmlHeaders.LegacyPrefix];

    private readonly Func<HttpClient> _apiHttp;

    private readonly Func<HttpClient> _filesHttp;

    // The clients this session made itself (null when a factory supplies them per call).
    private readonly HttpClient? _ownedApiHttp;

    private readonly HttpClient? _ownedFilesHttp;

    private readonly string _worker;

    private StorageManager? _storage;

    private readonly ILogger _logger;

    private readonly SemaphoreSlim _loginLock = new(1, 1);

    private readonly Uri _apiBase;

    private readonly AuthenticationHeaderValue _basic;

    private AccessToken? _token;

    private ApiVersion _requestVersion = ClientApiVersion;

    /// <summary>Creates a session; the first call logs in.</summary>
    /// <param name="settings">Where the server is and the key pair.</param>
    /// <param name="loggerFactory">Logging; null for none.</param>
    /// <param name="handler">The HTTP handler (tests may pass their own); null for a pooled default. A given handler is not disposed with the session.</param>
    /// <param name="timeProvider">The clock for token refresh, retry backoff and the report batcher's interval; null for the system clock.</param>
    /// <exception cref="ArgumentException">The settings lack the access or secret key.</exception>
    public ClearMLSession(ClearMLSettings settings, ILoggerFactory? loggerFactory = null, HttpMessageHandler? handler = null, TimeProvider? timeProvider = null)
        : this(settings, loggerFactory, timeProvider, OwnClients(handler))
    {
    }

    /// <summary>
    /// A session whose HTTP clients come from <paramref name="apiClient"/> (API calls; its timeout
    /// bounds one attempt) and <paramref name="filesClient"/> (file transfers; no overall timeout),
    /// asked for each call so a factory (<c>IHttpClientFactory</c>) can rotate its handlers. The
    /// clients are not disposed with the session.
    /// </summary>
    internal ClearMLSession(ClearMLSettings settings, ILoggerFactory? loggerFactory, TimeProvider? timeProvider, Func<HttpClient> apiClient, Func<HttpClient> filesClient)
        : this(settings, loggerFactory, timeProvider, (apiClient, filesClient, null, null))
    {
    }

    private ClearMLSession(ClearMLSettings settings, ILoggerFactory? loggerFactory, TimeProvider? timeProvider,
        (Func<HttpClient> Api, Func<HttpClient> Files, HttpClient? OwnedApi, HttpClient? OwnedFiles) clients)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrEmpty(settings.AccessKey) || string.IsNullOrEmpty(settings.SecretKey))
        {
            clients.OwnedApi?.Dispose();
            throw new ArgumentException(
                "The settings have no API key pair: set api.credentials.access_key and secret_key in clearml.conf, "
                + "or CLEARML_API_ACCESS_KEY and CLEARML_API_SECRET_KEY.", nameof(settings));
        }
        Settings = settings;
        Time = timeProvider ?? TimeProvider.System;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = LoggerFactory.CreateLogger<ClearMLSession>();
        (_apiHttp, _filesHttp, _ownedApiHttp, _ownedFilesHttp) = clients;
        _worker = Environment.GetEnvironmentVariable("CLEARML_WORKER_NAME") is { Length: > 0 } name ? name : Environment.MachineName;
        var apiHost = settings.ApiHost.ToString();
        _apiBase = new Uri(apiHost.EndsWith('/') ? apiHost : apiHost + "/");
        _basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.AccessKey}:{settings.SecretKey}")));
    }

    /// <summary>A session from <see cref="ClearMLSettings.Load(ClearMLSettingsOverrides?)"/>: <c>clearml.conf</c>, the environment, then <paramref name="overrides"/>.</summary>
    /// <exception cref="ClearMLConfigurationException">The host or key pair is not configured.</exception>
    public static ClearMLSession FromConfiguration(ClearMLSettingsOverrides? overrides = null, ILoggerFactory? loggerFactory = null) =>
        new(ClearMLSettings.Load(overrides), loggerFactory);

    /// <summary>The settings this session was made with.</summary>
    public ClearMLSettings Settings { get; }

    /// <summary>The API version the server's token announced (e.g. 2.31), once logged in.</summary>
    public string? ServerApiVersion { get; private set; }

    /// <summary>The value of the <c>X-ClearML-Client</c> header this SDK sends.</summary>
    public static string ClientName { get; } =
        "cairn-dotnet-" + (typeof(ClearMLSession).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0");

    /// <summary>The HTTP client for file transfers (no overall timeout: cancellation and the idle timeout end them), sharing the API calls' connection pool.</summary>
    internal HttpClient FilesHttp => _filesHttp();

    /// <summary>This session's background weights uploads: per client, so two clients never wait on each other's.</summary>
    internal Models.UploadQueue Uploads { get; } = new();

    /// <summary>The storage manager shared by everything that uses this session (one cache and one set of drivers).</summary>
    internal StorageManager Storage
    {
        get
        {
            if (Volatile.Read(ref _storage) is { } storage)
            {
                return storage;
            }
            var made = new StorageManager(this);
            if (Interlocked.CompareExchange(ref _storage, made, null) is { } raced)
            {
                made.Dispose();
                return raced;
            }
            return made;
        }
    }

    /// <summary>Where output models of this session upload when they have no destination of their own (<see cref="OutputModel.UploadStorageUri"/>); conformed, or null.</summary>
    internal string? DefaultUploadUri { get; set; }

    internal ILoggerFactory LoggerFactory { get; }

    /// <summary>The clock the session, its storage retries and its report batchers read.</summary>
    internal TimeProvider Time { get; }

    /// <summary>
    /// Calls <paramref name="endpoint"/> (<c>service.action</c>) with <paramref name="body"/>
    /// (serialized with ClearML's JSON conventions; a <see cref="JsonNode"/> is sent as is) and
    /// returns the envelope's <c>data</c>.
    /// </summary>
    /// <exception cref="ClearMLRequestException">The server refused the call, or the retry deadline passed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<JsonObject> CallAsync(string endpoint, object? body, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        var bytes = Serialize(body);
        return SendAsync(endpoint, () => Content(bytes, bytes.Length, JsonContentType), cancellationToken);
    }

    /// <summary>As <see cref="CallAsync(string, object?, CancellationToken)"/>, with <c>data</c> deserialized to <typeparamref name="T"/>.</summary>
    /// <exception cref="ClearMLRequestException">The server refused the call, the retry deadline passed, or <c>data</c> does not fit <typeparamref name="T"/>.</exception>
    public async Task<T> CallAsync<T>(string endpoint, object? body, CancellationToken cancellationToken = default)
    {
        var data = await CallAsync(endpoint, body, cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonText.Deserialize<T>(data) ?? throw new JsonException("data is null");
        }
        catch (JsonException e)
        {
            throw new ClearMLRequestException(endpoint, 200, 0, $"the answer's data does not fit {typeof(T).Name}: {e.Message}", null, e);
        }
    }

    /// <summary>
    /// Sends an <c>application/json-lines</c> batch (<c>events.add_batch</c>) and returns <c>data</c>.
    /// Batches larger than ClearML's request limit (15 MiB) are cut at line ends into several calls,
    /// whose numeric results (<c>added</c>, <c>errors</c>) are summed. An empty batch sends nothing.
    /// </summary>
    /// <exception cref="ClearMLRequestException">The server refused a chunk, or the retry deadline passed.</exception>
    public Task<JsonObject> CallBatchAsync(string endpoint, IEnumerable<JsonObject> lines, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        ArgumentNullException.ThrowIfNull(lines);
        return CallBatchCoreAsync(endpoint, lines.Select(JsonText.ToUtf8), cancellationToken);
    }

    /// <summary>As <see cref="CallBatchAsync(string, IEnumerable{JsonObject}, CancellationToken)"/>, each line a wire contract written by <paramref name="info"/>.</summary>
    internal Task<JsonObject> CallBatchAsync<T>(string endpoint, IEnumerable<T> lines, JsonTypeInfo<T> info, CancellationToken cancellationToken) =>
        CallBatchCoreAsync(endpoint, lines.Select(line => JsonSerializer.SerializeToUtf8Bytes(line, info)), cancellationToken);

    private async Task<JsonObject> CallBatchCoreAsync(string endpoint, IEnumerable<byte[]> lines, CancellationToken cancellationToken)
    {
        JsonObject? result = null;
        using var chunk = new MemoryStream();
        foreach (var bytes in lines)
        {
            if (chunk.Length > 0 && chunk.Length + bytes.Length + 1 > MaxRequestBytes)
            {
                result = Merge(result, await SendChunkAsync(endpoint, chunk, cancellationToken).ConfigureAwait(false));
                chunk.SetLength(0);
            }
            chunk.Write(bytes);
            chunk.WriteByte((byte)'\n');
        }
        if (chunk.Length > 0)
        {
            result = Merge(result, await SendChunkAsync(endpoint, chunk, cancellationToken).ConfigureAwait(false));
        }
        return result ?? [];
    }

    /// <summary>A current token (logging in or refreshing first if needed), for the file server's Bearer header.</summary>
    /// <exception cref="ClearMLRequestException">The server refused the key pair, or could not be reached within the retry deadline.</exception>
    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken = default) =>
        (await GetAccessTokenAsync(cancellationToken).ConfigureAwait(false)).Value;

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Volatile.Read(ref _storage)?.Dispose();
        _ownedApiHttp?.Dispose();
        _ownedFilesHttp?.Dispose();
        _loginLock.Dispose();
        return ValueTask.CompletedTask;
    }

    private static (Func<HttpClient>, Func<HttpClient>, HttpClient?, HttpClient?) OwnClients(HttpMessageHandler? handler)
    {
        var ownsHandler = handler is null;
        handler ??= CreateDefaultHandler();
        var api = new HttpClient(handler, disposeHandler: ownsHandler) { Timeout = TimeSpan.FromMinutes(5) };
        // Transfers of large weights may take long: no overall timeout (cancellation ends them).
        var files = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        return (() => api, () => files, api, files);
    }

    internal static SocketsHttpHandler CreateDefaultHandler() => new()
    {
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(30),
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        MaxConnectionsPerServer = 32,
    };

    /// <summary>Forgets <paramref name="stale"/> so the next call logs in again (no-op when another thread already replaced it).</summary>
    internal void Invalidate(string stale)
    {
        var current = Volatile.Read(ref _token);
        if (current is not null && current.Value == stale)
        {
            Interlocked.CompareExchange(ref _token, null, current);
        }
    }

    private async ValueTask<AccessToken> GetAccessTokenAsync(CancellationToken cancellationToken)
    {
        var token = Volatile.Read(ref _token);
        if (token is not null && !token.NeedsRefresh(Time.GetUtcNow()))
        {
            return token;
        }
        await _loginLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            token = Volatile.Read(ref _token);
            if (token is not null && !token.NeedsRefresh(Time.GetUtcNow()))
            {
                return token;
            }
            token = await LoginAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _token, token);
            return token;
        }
        finally
        {
            _loginLock.Release();
        }
    }

    private async Task<AccessToken> LoginAsync(CancellationToken cancellationToken)
    {
        // auth.login carries no version segment and no body, as in ClearML's SDK; a token without
        // an api_version claim means the oldest version the SDK assumes (2.23), as Python does,
        // without asking server.info.
        var login = await SendCoreAsync("auth.login", new Uri(_apiBase, "auth.login"),
            () => null, _ => ValueTask.FromResult(_basic), reauthenticate: false,
            cancellationToken).ConfigureAwait(false);
        if (ReadOrNull(login, ClearmlJson.TypeInfo<LoginResponse>()) is not { Token: { Length: > 0 } text })
        {
            throw new ClearMLRequestException("auth.login", 200, 0, "the answer carries no token", null);
        }
        var token = AccessToken.Parse(text);
        var version = token.ApiVersion ?? ClientApiVersion.ToString();
        ServerApiVersion = version;
        if (ApiVersion.TryParse(version, out var server) && server.Value < ClientApiVersion)
        {
            _requestVersion = server.Value;
        }
        SessionLog.LoggedIn(_logger, Settings.ApiHost, Settings.AccessKey!, version, token.Expires);
        return token;
    }

    private Uri Endpoint(string endpoint) => new(_apiBase, $"v{_requestVersion}/{endpoint}");

    private Task<JsonObject> SendAsync(string endpoint, Func<HttpContent?> content, CancellationToken cancellationToken) =>
        SendCoreAsync(endpoint, null, content, async ct => new AuthenticationHeaderValue("Bearer", await GetTokenAsync(ct).ConfigureAwait(false)),
            reauthenticate: true, cancellationToken);

    private Task<JsonObject> SendChunkAsync(string endpoint, MemoryStream chunk, CancellationToken cancellationToken)
    {
        var bytes = chunk.GetBuffer();
        var length = (int)chunk.Length;
        return SendAsync(endpoint, () => Content(bytes, length, JsonLinesContentType), cancellationToken);
    }

    /// <summary>
    /// One call with its retries (<see cref="RetryRule"/> says which failures may be retried): a
    /// transient failure waits and tries again; a 401 on a token logs in again once; anything else
    /// is the envelope's answer. One deadline bounds the whole call, the login and every attempt
    /// included; when it passes the call fails with a "gave up" <see cref="ClearMLRequestException"/>.
    /// </summary>
    private async Task<JsonObject> SendCoreAsync(string endpoint, Uri? url, Func<HttpContent?> content,
        Func<CancellationToken, ValueTask<AuthenticationHeaderValue>> authorize, bool reauthenticate, CancellationToken cancellationToken)
    {
        var backoff = new RetryBackoff(Settings.RetryDeadline, Time);
        // A login made for a call runs under that call's deadline rather than starting its own.
        var outer = CurrentCall.Value;
        var nested = outer is not null && outer.Deadline.Token == cancellationToken;
        using var owned = nested ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        owned?.CancelAfter(Settings.RetryDeadline);
        var scope = nested ? outer! : new CallScope(owned!, cancellationToken);
        CurrentCall.Value = scope;
        var call = scope.Deadline;
        Failure? last = null;
        try
        {
            var reauthenticated = false;
            while (true)
            {
                call.Token.ThrowIfCancellationRequested();
                var authorization = await authorize(call.Token).ConfigureAwait(false);
                using var request = new HttpRequestMessage(HttpMethod.Post, url ?? Endpoint(endpoint)) { Content = content() };
                request.Headers.Authorization = authorization;
                foreach (var prefix in ClientHeaderPrefixes)
                {
                    request.Headers.TryAddWithoutValidation(prefix + ClearmlHeaders.Worker, _worker);
                    request.Headers.TryAddWithoutValidation(prefix + ClearmlHeaders.Client, ClientName);
                }
                var started = Stopwatch.GetTimestamp();
                Failure failure;
                try
                {
                    using var response = await _apiHttp().SendAsync(request, HttpCompletionOption.ResponseContentRead, call.Token).ConfigureAwait(false);
                    var status = (int)response.StatusCode;
                    if (status == 401 && reauthenticate && !reauthenticated)
                    {
                        reauthenticated = true;
                        SessionLog.Reauthenticating(_logger, endpoint);
                        Invalidate(authorization.Parameter!);
                        continue;
                    }
                    ResponseEnvelope? envelope;
                    // The content is already buffered (ResponseContentRead), so reading it synchronously does no I/O.
                    using (var body = response.Content.ReadAsStream(call.Token))
                    {
                        envelope = ResponseEnvelope.Read(body);
                    }
                    SessionLog.Called(_logger, endpoint, status, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, envelope?.Trx);
                    var unprocessed = RetryRule.IsUnprocessed(response.StatusCode);
                    if (!unprocessed && !(RetryRule.IsUncertain(response.StatusCode) && RetryRule.IsIdempotent(endpoint)))
                    {
                        return DataOrThrow(endpoint, status, envelope);
                    }
                    failure = new Failure($"HTTP {status}", status, envelope, null, response.Headers.RetryAfter);
                }
                catch (HttpRequestException e) when (e.StatusCode is null)
                {
                    failure = new Failure(e.Message, 0, null, e, null);
                    if (!RetryRule.MayRetry(endpoint, RetryRule.IsUnsent(e)))
                    {
                        throw GaveUp(endpoint, backoff, failure, " (not retried: the server may have processed it)");
                    }
                }
                catch (TaskCanceledException e) when (!call.IsCancellationRequested)
                {
                    // HttpClient's own timeout: the request was sent and may have been processed.
                    failure = new Failure("no answer within the request timeout", 0, null, e, null);
                    if (!RetryRule.IsIdempotent(endpoint))
                    {
                        throw GaveUp(endpoint, backoff, failure, " (not retried: the server may have processed it)");
                    }
                }
                last = failure;
                var delay = backoff.NextDelay(failure.RetryAfterDelay(Time));
                if (delay is null)
                {
                    throw GaveUp(endpoint, backoff, failure, "");
                }
                SessionLog.Retrying(_logger, endpoint, backoff.FailedAttempts, failure.Reason, (long)delay.Value.TotalMilliseconds);
                await Task.Delay(delay.Value, Time, call.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException e) when (call.IsCancellationRequested && !scope.Caller.IsCancellationRequested)
        {
            throw GaveUp(endpoint, backoff, last ?? new Failure("no answer within the retry deadline", 0, null, e, null), "");
        }
    }

    private ClearMLRequestException GaveUp(string endpoint, RetryBackoff backoff, Failure failure, string note)
    {
        var attempts = Math.Max(backoff.FailedAttempts, 1);
        SessionLog.GaveUp(_logger, endpoint, attempts, failure.Reason);
        return new ClearMLRequestException(endpoint, failure.Status, failure.Envelope?.Subcode ?? 0,
            $"gave up after {attempts} attempts within the retry deadline of {Settings.RetryDeadline}{note}: "
            + (failure.Envelope?.Message is { Length: > 0 } message ? $"{failure.Reason} ({message})" : failure.Reason),
            failure.Envelope?.Trx, failure.Error);
    }

    /// <summary>The data of a successful answer; anything else becomes the request exception.</summary>
    private static JsonObject DataOrThrow(string endpoint, int status, ResponseEnvelope? envelope)
    {
        if (envelope is null)
        {
            throw new ClearMLRequestException(endpoint, status, 0,
                status == 200 ? "the answer is not a ClearML envelope" : $"HTTP {status} without a ClearML envelope", null);
        }
        if (envelope.IsSuccess(status))
        {
            return envelope.Data ?? [];
        }
        throw new ClearMLRequestException(endpoint, envelope.ResultCode(status), envelope.Subcode, envelope.Message, envelope.Trx);
    }

    private static T? ReadOrNull<T>(JsonObject data, JsonTypeInfo<T> info) where T : class
    {
        try
        {
            return data.Deserialize(info);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ByteArrayContent Content(byte[] bytes, int length, MediaTypeHeaderValue type)
    {
        var content = new ByteArrayContent(bytes, 0, length);
        content.Headers.ContentType = type;
        return content;
    }

    private static byte[] Serialize(object? body) => body switch
    {
        null => "{}"u8.ToArray(),
        JsonNode node => JsonText.ToUtf8(node),
        _ => JsonText.SerializeToUtf8(body),
    };

    private static JsonObject Merge(JsonObject? total, JsonObject next)
    {
        if (total is null)
        {
            return next;
        }
        foreach (var (key, value) in next.ToList())
        {
            if (value is JsonValue v && v.TryGetValue<long>(out var number) && total[key] is JsonValue t && t.TryGetValue<long>(out var sum))
            {
                total[key] = sum + number;
            }
            else
            {
                total[key] = value?.DeepClone();
            }
        }
        return total;
    }

    /// <summary>The deadline of the call in progress and the caller's own token (to tell its cancellation from the deadline).</summary>
    private sealed record CallScope(CancellationTokenSource Deadline, CancellationToken Caller);

    private sealed record Failure(string Reason, int Status, ResponseEnvelope? Envelope, Exception? Error, RetryConditionHeaderValue? RetryAfter)
    {
        public TimeSpan? RetryAfterDelay(TimeProvider time) => RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - time.GetUtcNow(),
            _ => null,
        };
    }
}
