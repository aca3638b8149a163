using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Protocol;
using Cairn.Web.Auth;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace Cairn.Web.Api;

/// <summary>The API as the signed-in user sees it: every call carries the user's token.</summary>
public sealed class CairnApi(ApiTransport transport, AuthenticationStateProvider authentication, NavigationManager navigation)
{
    /// <summary>
    /// Calls an endpoint as the signed-in user and returns its <c>data</c>. A session whose token
    /// the API no longer accepts (expired, revoked) also sends the browser to the sign-in page.
    /// </summary>
    /// <exception cref="ApiException">The API refused the call (401 when the session is gone).</exception>
    public Task<JsonObject> CallAsync(string endpoint, JsonObject? body = null, CancellationToken cancellationToken = default) =>
        SendAsync(endpoint, JsonSerializer.SerializeToUtf8Bytes(body ?? [], ClearmlJson.TypeInfo<JsonObject>()), cancellationToken);

    /// <summary>Calls an endpoint with a request of Cairn.Protocol's wire contracts and returns its <c>data</c>.</summary>
    /// <exception cref="ApiException">The API refused the call (401 when the session is gone).</exception>
    public Task<JsonObject> CallAsync<TRequest>(string endpoint, TRequest body, CancellationToken cancellationToken = default) =>
        SendAsync(endpoint, JsonSerializer.SerializeToUtf8Bytes(body, ClearmlJson.TypeInfo<TRequest>()), cancellationToken);

    /// <summary>Calls an endpoint with a request of Cairn.Protocol's wire contracts and reads its <c>data</c> as <typeparamref name="TResponse"/>.</summary>
    /// <exception cref="ApiException">The API refused the call (401 when the session is gone).</exception>
    public async Task<TResponse> CallAsync<TRequest, TResponse>(string endpoint, TRequest body, CancellationToken cancellationToken = default)
    {
        var data = await CallAsync(endpoint, body, cancellationToken).ConfigureAwait(false);
        return Read<TResponse>(endpoint, data);
    }

    /// <summary>Calls an endpoint with explicit credentials (sign-in uses the user's name and password) and reads its <c>data</c> as <typeparamref name="TResponse"/>.</summary>
    /// <exception cref="ApiException">The API refused the call.</exception>
    public async Task<TResponse> CallAsAsync<TRequest, TResponse>(string endpoint, TRequest body, AuthenticationHeaderValue authorization, CancellationToken cancellationToken = default)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, ClearmlJson.TypeInfo<TRequest>());
        var data = await transport.SendAsync(endpoint, bytes, authorization, cancellationToken).ConfigureAwait(false);
        return Read<TResponse>(endpoint, data);
    }

    private static TResponse Read<TResponse>(string endpoint, JsonObject data)
    {
        try
        {
            return data.Deserialize(ClearmlJson.TypeInfo<TResponse>())
                ?? throw new ApiException(endpoint, 500, 0, $"{endpoint} answered without data.");
        }
        catch (JsonException e)
        {
            throw new ApiException(endpoint, 500, 0, $"{endpoint} answered in an unexpected shape: {e.Message}");
        }
    }

    private async Task<JsonObject> SendAsync(string endpoint, byte[] body, CancellationToken cancellationToken)
    {
        var state = await authentication.GetAuthenticationStateAsync().ConfigureAwait(false);
        var authorization = SessionClaims.Authorization(state.User);
        if (authorization is null)
        {
            SendToSignIn();
            throw new ApiException(endpoint, 401, 0, "You are signed out. Sign in again.");
        }
        try
        {
            return await transport.SendAsync(endpoint, body, authorization, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.IsUnauthorized)
        {
            SendToSignIn();
            throw;
        }
    }

    /// <summary>The signed-in user's API authorization, for requests to the file server; null when signed out.</summary>
    public async Task<AuthenticationHeaderValue?> AuthorizationAsync()
    {
        var state = await authentication.GetAuthenticationStateAsync().ConfigureAwait(false);
        return SessionClaims.Authorization(state.User);
    }

    /// <summary>Calls an endpoint with explicit credentials (sign-in uses the user's name and password).</summary>
    public Task<JsonObject> CallAsAsync(string endpoint, JsonObject? body, AuthenticationHeaderValue authorization, CancellationToken cancellationToken = default) =>
        transport.CallAsync(endpoint, body, authorization, cancellationToken);

    /// <summary>
    /// The cookie still says signed in, so the pages would render with an error: a full load of
    /// the sign-in page instead, which drops the dead session and comes back here afterwards.
    /// During prerendering this becomes a redirect response.
    /// </summary>
    private void SendToSignIn()
    {
        var returnUrl = "/" + navigation.ToBaseRelativePath(navigation.Uri);
        navigation.NavigateTo($"login?returnUrl={Uri.EscapeDataString(returnUrl)}", forceLoad: true);
    }
}
