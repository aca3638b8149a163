using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Cairn.Bench.Web;

/// <summary>
/// The API the table stands on, called over HTTP with the bench user's token: the floor under the
/// browser figures. The UI dispatches the same requests in-process, so this floor also includes
/// an HTTP round trip on loopback (about a tenth of a millisecond) that the UI does not pay.
/// </summary>
internal sealed class ApiFloor(HttpClient client, Uri apiBase, string token)
{
    /// <summary>Unmeasured calls before each measured series.</summary>
    public const int WarmupCalls = 5;

    public static async Task<ApiFloor> SignInAsync(HttpClient client, Uri apiBase, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(apiBase, "auth.login"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{WebServer.AccessKey}:{WebServer.SecretKey}")));
        request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var data = await ReadDataAsync(response, "auth.login", cancellationToken).ConfigureAwait(false);
        return new ApiFloor(client, apiBase, data["token"]!.GetValue<string>());
    }

    /// <summary>Calls an endpoint once; returns its <c>data</c> and the time to the last byte of the answer.</summary>
    public async Task<(JsonObject Data, double Milliseconds)> CallAsync(string endpoint, JsonObject? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(apiBase, endpoint));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Content = new StringContent(body?.ToJsonString() ?? "{}", Encoding.UTF8, "application/json");
        var started = Stopwatch.GetTimestamp();
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{endpoint} answered {(int)response.StatusCode}: {text}");
        }
        return ((JsonNode.Parse(text)!["data"] as JsonObject) ?? [], elapsed);
    }

    /// <summary>Times <paramref name="samples"/> calls after a few unmeasured ones.</summary>
    public async Task<Timings> MeasureAsync(string endpoint, JsonObject body, int samples, CancellationToken cancellationToken)
    {
        var timings = new Timings();
        for (var i = 0; i < WarmupCalls + samples; i++)
        {
            var (_, ms) = await CallAsync(endpoint, (JsonObject)body.DeepClone(), cancellationToken).ConfigureAwait(false);
            if (i >= WarmupCalls)
            {
                timings.Add(ms);
            }
        }
        return timings;
    }

    private static async Task<JsonObject> ReadDataAsync(HttpResponseMessage response, string endpoint, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{endpoint} answered {(int)response.StatusCode}: {text}");
        }
        return (JsonNode.Parse(text)!["data"] as JsonObject) ?? [];
    }
}
