using Cairn.Server.Api;

namespace Cairn.Server.Services;

/// <summary><c>tasks.*</c> (api.md §5).</summary>
public static class TasksEndpoints
{
    public static EndpointRegistry MapTasksEndpoints(this EndpointRegistry registry) => registry;
}
