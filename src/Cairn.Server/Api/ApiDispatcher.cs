using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cairn.Core;
using Cairn.Core.Errors;
using Cairn.Core.Identity;
using Cairn.Core.Storage;
using Cairn.Protocol;
using Cairn.Server.Auth;
using Cairn.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Cairn.Server.Api;

/// <summary>
/// Serves every API request: parses <c>/[vX.Y/]service.action</c>, resolves the handler for the
/// requested version, authenticates, reads the body (any HTTP method), runs the handler and
/// writes the <c>{meta, data}</c> envelope with HTTP status equal to <c>result_code</c>. This is
/// the one place where errors become responses.
/// </summary>
public sealed partial class ApiDispatcher(
    EndpointRegistry registry,
    Authenticator authenticator,
    IMetadataStore store,
    IOptions<CairnOptions> options,
    CairnMetrics metrics,
    ILogger<ApiDispatcher> logger)
{
    [GeneratedRegex(@"^/?(?:v(?<version>[0-9]+\.[0-9]+)/)?(?<name>[A-Za-z_][A-Za-z0-9_]+\.[A-Za-z_][A-Za-z0-9_]+)/?$", RegexOptions.CultureInvariant)]
    private static partial Regex PathPattern();

    private static readonly string[] ImpersonationRoles = [Roles.Admin, Roles.Root, Roles.System];

    public async Task HandleAsync(HttpContext http)
    {
        var request = http.Request;
        var response = http.Response;
        response.Headers.Server = "clearml";
        AddCorsHeaders(http);
        if (HttpMethods.IsOptions(request.Method))
        {
            response.StatusCode = StatusCodes.Status200OK;
            return;
        }
        if (request.Headers.ContentEncoding.Count > 0)
        {
            // ClearML answers this in plain text, outside the envelope.
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            response.ContentType = "text/plain";
            await response.WriteAsync("Content encoding is not supported", http.RequestAborted).ConfigureAwait(false);
            return;
        }

        var callId = EntityId.New();
        var trx = Header(request, ClearmlHeaders.Trx) ?? callId;
        // Every line logged while the call runs (by any logger) carries ClearML's transaction id.
        using var scope = logger.BeginScope(TransactionScope, trx);
        var call = new CallState(callId, trx);
        var started = Stopwatch.GetTimestamp();
        using var activity = CairnTelemetry.Source.StartActivity("cairn.api", ActivityKind.Server);
        activity?.SetTag(CairnTelemetry.TransactionTag, trx);
        try
        {
            await DispatchAsync(http, call).ConfigureAwait(false);
            logger.LogDebug("{Endpoint} answered {ResultCode}/{ResultSubcode}", call.EndpointName, call.ResultCode, call.ResultSubcode);
        }
        catch (Exception e) when (IsClientGone(http, e))
        {
            // Nobody is left to answer; not the server's fault, so not an error.
            logger.LogDebug("The client went away during {Endpoint} (call {CallId}): {Error}", call.EndpointName, callId, e.Message);
            activity?.SetStatus(ActivityStatusCode.Error, "client disconnected");
            return;
        }
        // Only a registered endpoint's name is a tag value: unknown names are unbounded.
        var endpointTag = call.Known ? call.EndpointName : "unknown";
        metrics.RecordCall(endpointTag, call.ResultCode, Stopwatch.GetElapsedTime(started));
        if (activity is not null)
        {
            activity.DisplayName = endpointTag;
            activity.SetTag(CairnTelemetry.EndpointTag, endpointTag);
            activity.SetTag(CairnTelemetry.ResultCodeTag, call.ResultCode);
            activity.SetTag(CairnTelemetry.ResultSubcodeTag, call.ResultSubcode);
            if (call.ResultCode >= 500)
            {
                activity.SetStatus(ActivityStatusCode.Error);
            }
        }
    }

    /// <summary>The scope's message template: the simple console prints <c>=&gt; trx …</c>, the JSON one a <c>TransactionId</c> property.</summary>
    private const string TransactionScope = "trx {TransactionId}";

    /// <summary>
    /// The connection is gone and the failure is what that causes: a cancelled wait, a failed
    /// read or write, or a truncated body that became a client error nobody will read.
    /// </summary>
    private static bool IsClientGone(HttpContext http, Exception e) =>
        http.RequestAborted.IsCancellationRequested && e is OperationCanceledException or IOException or CairnException;

    /// <summary>What one call resolved to, for the log line and telemetry after it.</summary>
    private sealed class CallState(string callId, string trx)
    {
        public string CallId { get; } = callId;

        public string Trx { get; } = trx;

        public string EndpointName { get; set; } = "";

        /// <summary>The name resolved to a registered endpoint.</summary>
        public bool Known { get; set; }

        public int ResultCode { get; set; }

        public int ResultSubcode { get; set; }
    }

    private async Task DispatchAsync(HttpContext http, CallState call)
    {
        var request = http.Request;
        var (callId, trx) = (call.CallId, call.Trx);
        var endpointName = "";
        ApiVersion? requested = null;
        ApiEndpoint? endpoint = null;
        try
        {
            var path = request.Path.Value ?? "/";
            var match = PathPattern().Match(path);
            if (!match.Success)
            {
                throw new CairnException(ErrorCodes.MalformedRequest, text: $"Invalid request path {path}");
            }
            endpointName = match.Groups["name"].Value;
            call.EndpointName = endpointName;
            requested = match.Groups["version"].Success ? PathVersion(match.Groups["version"].Value) : ApiVersion.Max;
            endpoint = registry.Resolve(endpointName, requested.Value)
                ?? throw new CairnException(ErrorCodes.EndpointNotFound,
                    text: $"Unable to find endpoint for name {endpointName} and version {requested}");
            call.Known = true;

            Authentication? authentication = null;
            if (endpoint.Auth == AuthRequirement.Required)
            {
                authentication = await authenticator.AuthenticateAsync(request, http.RequestAborted).ConfigureAwait(false);
                authentication = await ImpersonateAsync(request, authentication, http.RequestAborted).ConfigureAwait(false);
            }

            var (body, batch, batchBytes) = await RequestBody.ReadAsync(request, options.Value.MaxRequestBodyBytes, endpoint.RawBatch, http.RequestAborted).ConfigureAwait(false);
            var apiCall = new ApiCall(http, endpoint, requested.Value, authentication, body, batch, batchBytes);
            var data = await endpoint.Handler(apiCall).ConfigureAwait(false);
            (call.ResultCode, call.ResultSubcode) = (200, 0);
            await WriteEnvelopeAsync(http, callId, trx, endpointName, requested, endpoint, 200, 0, "OK", null, data).ConfigureAwait(false);
        }
        catch (CairnException e) when (!IsClientGone(http, e))
        {
            (call.ResultCode, call.ResultSubcode) = (e.Error.Code, e.Error.Subcode);
            await WriteEnvelopeAsync(http, callId, trx, endpointName, requested, endpoint, e.Error.Code, e.Error.Subcode, e.Message, e.ErrorData, null).ConfigureAwait(false);
        }
        catch (Exception e) when (!IsClientGone(http, e) && store.AsUnavailableOrNull(e) is { } unavailable)
        {
            // Nothing was decided: the SDKs retry a 503, and the next request opens a new connection.
            logger.LogWarning("{Endpoint} (call {CallId}) answered 503: {Problem}", endpointName, callId, unavailable.Message);
            var error = ErrorCodes.StoreUnavailable;
            (call.ResultCode, call.ResultSubcode) = (error.Code, error.Subcode);
            http.Response.Headers.RetryAfter = "1";
            await WriteEnvelopeAsync(http, callId, trx, endpointName, requested, endpoint, error.Code, error.Subcode,
                $"{error.Text} ({unavailable.Message}; try again)", null, null).ConfigureAwait(false);
        }
        catch (Exception e) when (!IsClientGone(http, e))
        {
            logger.LogError(e, "Unhandled error in {Endpoint} (call {CallId})", endpointName, callId);
            var error = ErrorCodes.GeneralError;
            (call.ResultCode, call.ResultSubcode) = (error.Code, error.Subcode);
            await WriteEnvelopeAsync(http, callId, trx, endpointName, requested, endpoint, error.Code, error.Subcode,
                $"{error.Text}: {e.GetType().Name}: {e.Message}", null, null).ConfigureAwait(false);
        }
    }

    private async Task<Authentication> ImpersonateAsync(HttpRequest request, Authentication authentication, CancellationToken cancellationToken)
    {
        var impersonate = Header(request, ClearmlHeaders.ImpersonateAs);
        var actAs = Header(request, ClearmlHeaders.ActAs);
        if (impersonate is null && actAs is null)
        {
            return authentication;
        }
        if (impersonate is not null && actAs is not null)
        {
            throw new CairnException(ErrorCodes.InvalidHeaders, "only one of Impersonate-As and Act-As may be set");
        }
        if (!ImpersonationRoles.Contains(authentication.Identity.Role))
        {
            throw new CairnException(ErrorCodes.RoleNotAllowed, null, new Dictionary<string, object?>
            {
                ["role"] = authentication.Identity.Role,
                ["allowed"] = ImpersonationRoles,
            });
        }
        var userId = (impersonate ?? actAs)!;
        var user = await store.Identity.GetUserOrNullAsync(userId, cancellationToken).ConfigureAwait(false);
        if (user is null || user.Company != authentication.Identity.Company)
        {
            throw new CairnException(ErrorCodes.InvalidUserId, null, new Dictionary<string, object?> { ["id"] = userId });
        }
        return authentication with { Identity = Authenticator.ToIdentity(user) };
    }

    /// <summary>
    /// A path's version (the path pattern holds it to digits, a dot and digits). A part too large
    /// for a number is saturated, which keeps the order: ClearML serves every version above its
    /// maximum like the maximum (api.md §1.5), so such a path must not be a 400.
    /// </summary>
    private static ApiVersion PathVersion(string text)
    {
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        return new ApiVersion(Saturated(text.AsSpan(0, dot)), Saturated(text.AsSpan(dot + 1)));

        static int Saturated(ReadOnlySpan<char> digits) =>
            int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : int.MaxValue;
    }

    private static string? Header(HttpRequest request, string name) => ClearmlHeaderValues.Get(request, name);

    /// <summary>
    /// CORS for origins in <see cref="CairnOptions.CorsOrigins"/> only. ClearML answers every
    /// origin with itself and <c>Allow-Credentials: true</c>, which lets any web page a signed-in
    /// user visits call the API with their cookie; here an origin not on the list gets no CORS
    /// headers at all, so the browser keeps the answer from the page. <c>*</c> on the list allows
    /// every origin, without credentials. (Not ASP.NET Core's CORS middleware: it answers a
    /// preflight 204, ClearML answers every OPTIONS 200.)
    /// </summary>
    private void AddCorsHeaders(HttpContext http)
    {
        var origin = http.Request.Headers.Origin.FirstOrDefault();
        if (origin is null)
        {
            return;
        }
        var allowed = options.Value.CorsOrigins;
        var headers = http.Response.Headers;
        headers.Vary = "Origin";
        if (allowed.Any(o => string.Equals(o.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase)))
        {
            headers.AccessControlAllowOrigin = origin;
            headers.AccessControlAllowCredentials = "true";
        }
        else if (allowed.Contains("*"))
        {
            headers.AccessControlAllowOrigin = "*";
        }
        else
        {
            return;
        }
        headers.AccessControlAllowMethods = "GET, POST, PUT, DELETE, OPTIONS";
        headers.AccessControlAllowHeaders = http.Request.Headers.AccessControlRequestHeaders.Count > 0
            ? http.Request.Headers.AccessControlRequestHeaders.ToString()
            : "Authorization, Content-Type";
    }

    private static async Task WriteEnvelopeAsync(
        HttpContext http, string callId, string trx, string endpointName, ApiVersion? requested, ApiEndpoint? endpoint,
        int code, int subcode, string message, IReadOnlyDictionary<string, object?>? errorData, object? data)
    {
        var response = http.Response;
        if (response.HasStarted)
        {
            return;
        }
        // The envelope is built whole before anything is sent, so a serialization failure is
        // answered by one error envelope, never by half a response followed by another.
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        // Relaxed escaping: "+00:00" and non-ASCII names stay readable; the body is JSON, never HTML.
        await using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteEnvelope(writer, callId, trx, endpointName, requested, endpoint, code, subcode, message, errorData, data);
        }
        response.StatusCode = code;
        response.ContentType = "application/json";
        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted).ConfigureAwait(false);
    }

    private static void WriteEnvelope(
        Utf8JsonWriter writer, string callId, string trx, string endpointName, ApiVersion? requested, ApiEndpoint? endpoint,
        int code, int subcode, string message, IReadOnlyDictionary<string, object?>? errorData, object? data)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("meta");
        writer.WriteString("id", callId);
        writer.WriteString("trx", trx);
        writer.WriteStartObject("endpoint");
        writer.WriteString("name", endpointName);
        // Below 2.1 ClearML reports versions as JSON numbers, above as strings.
        var asNumbers = requested is { } r && r < new ApiVersion(2, 1);
        WriteVersion(writer, "requested_version", requested, asNumbers);
        WriteVersion(writer, "actual_version", endpoint?.MinVersion, asNumbers);
        writer.WriteEndObject();
        writer.WriteNumber("result_code", code);
        writer.WriteNumber("result_subcode", subcode);
        writer.WriteString("result_msg", message);
        writer.WriteNull("error_stack");
        writer.WritePropertyName("error_data");
        JsonSerializer.Serialize(writer, errorData ?? new Dictionary<string, object?>(), ClearmlJson.Options);
        writer.WriteEndObject();
        writer.WritePropertyName("data");
        if (data is null)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
        else if (ClearmlJson.Contracts.TryGetTypeInfo(data.GetType(), out var contract))
        {
            // Protocol's wire contracts (and JSON nodes) through the source-generated context.
            JsonSerializer.Serialize(writer, data, contract);
        }
        else
        {
            JsonSerializer.Serialize(writer, data, data.GetType(), ClearmlJson.Options);
        }
        writer.WriteEndObject();
    }

    private static void WriteVersion(Utf8JsonWriter writer, string name, ApiVersion? version, bool asNumber)
    {
        if (version is not { } v)
        {
            writer.WriteNull(name);
        }
        else if (asNumber)
        {
            writer.WriteNumber(name, double.Parse(v.ToString(), CultureInfo.InvariantCulture));
        }
        else
        {
            writer.WriteString(name, v.ToString());
        }
    }
}
