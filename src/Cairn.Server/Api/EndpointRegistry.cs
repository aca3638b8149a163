using Cairn.Protocol;

namespace Cairn.Server.Api;

/// <summary>Whether an endpoint needs credentials (ClearML's <c>authorize</c> flag).</summary>
public enum AuthRequirement
{
    Required,
    None,
}

/// <summary>Handles one call; returns the <c>data</c> object (null for <c>{}</c>).</summary>
public delegate Task<object?> ApiHandler(ApiCall call);

/// <summary>One handler of an endpoint, serving requests from <see cref="MinVersion"/> up to the next handler's.</summary>
/// <param name="Name">The endpoint, as <c>service.action</c>.</param>
/// <param name="MinVersion">The lowest API version this handler serves.</param>
/// <param name="Auth">Whether a call needs credentials.</param>
/// <param name="Handler">Answers a call.</param>
/// <param name="RawBatch">
/// Whether the handler reads a json-lines body itself from <see cref="ApiCall.BatchBytes"/> (and
/// answers a malformed line as the dispatcher would), rather than as parsed <see cref="ApiCall.Batch"/> objects.
/// </param>
public sealed record ApiEndpoint(string Name, ApiVersion MinVersion, AuthRequirement Auth, ApiHandler Handler, bool RawBatch = false);

/// <summary>
/// The endpoints by name, each with handlers per minimum version. A request for version V is
/// served by the handler with the greatest minimum version not above V; versions above the
/// server's maximum are treated as the maximum.
/// </summary>
public sealed class EndpointRegistry
{
    private readonly Dictionary<string, List<ApiEndpoint>> _endpoints = new(StringComparer.Ordinal);

    public EndpointRegistry Add(string name, ApiHandler handler, string minVersion = "1.0", AuthRequirement auth = AuthRequirement.Required, bool rawBatch = false)
    {
        if (!_endpoints.TryGetValue(name, out var versions))
        {
            _endpoints[name] = versions = [];
        }
        versions.Add(new ApiEndpoint(name, ApiVersion.Parse(minVersion), auth, handler, rawBatch));
        versions.Sort((a, b) => b.MinVersion.CompareTo(a.MinVersion));
        return this;
    }

    /// <summary>Every registered endpoint, each at its newest handler (for tests that go over all of them).</summary>
    public IEnumerable<ApiEndpoint> Endpoints => _endpoints.Values.Select(versions => versions[0]);

    public ApiEndpoint? Resolve(string name, ApiVersion requested)
    {
        if (!_endpoints.TryGetValue(name, out var versions))
        {
            return null;
        }
        var effective = requested > ApiVersion.Max ? ApiVersion.Max : requested;
        return versions.FirstOrDefault(e => e.MinVersion <= effective);
    }
}
