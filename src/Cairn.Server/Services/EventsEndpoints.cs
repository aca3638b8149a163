using Cairn.Server.Api;

namespace Cairn.Server.Services;

/// <summary><c>events.*</c> (api.md §5).</summary>
public static class EventsEndpoints
{
    public static EndpointRegistry MapEventsEndpoints(this EndpointRegistry registry) => registry;
}
