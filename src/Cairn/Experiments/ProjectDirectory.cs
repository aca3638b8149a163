using Cairn.Models;
using Cairn.Protocol.Services;
using Cairn.Session;

namespace Cairn.Experiments;

/// <summary>Resolves project names to ids the way ClearML's SDK does: an anchored, escaped name regex, newest match.</summary>
internal static class ProjectDirectory
{
    /// <summary>The id of the project named exactly <paramref name="name"/>; null when there is none.</summary>
    public static async Task<string?> FindIdAsync(ClearMLSession session, string name, CancellationToken cancellationToken)
    {
        var data = await session.CallAsync<GetAllProjectsResponse>("projects.get_all", new GetAllProjectsRequest
        {
            Name = ClearmlText.ExactNameRegex(name),
            OnlyFields = ["id", "name", "last_update"],
            SearchHidden = true,
            ShallowSearch = false,
        }, cancellationToken).ConfigureAwait(false);
        return (data.Projects ?? [])
            .Where(p => p.Id is not null)
            .OrderByDescending(p => p.LastUpdate)
            .Select(p => p.Id)
            .FirstOrDefault();
    }

    /// <summary>The id of the project named <paramref name="name"/>, creating it (and, on the server, its parents) when missing.</summary>
    public static async Task<string> GetOrCreateAsync(ClearMLSession session, string name, CancellationToken cancellationToken)
    {
        if (await FindIdAsync(session, name, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }
        try
        {
            var created = await session.CallAsync<IdResponse>("projects.create", new CreateProjectRequest { Name = name, Description = "" }, cancellationToken).ConfigureAwait(false);
            return created.Id ?? throw new ClearMLRequestException("projects.create", 0, 0, "the answer holds no project id", null);
        }
        catch (ClearMLRequestException e) when (e.ResultCode == 400)
        {
            // Another process created it between our lookup and create: use theirs.
            var raced = await FindIdAsync(session, name, cancellationToken).ConfigureAwait(false);
            if (raced is null)
            {
                throw;
            }
            return raced;
        }
    }

    /// <summary>The project's full name and default output destination (<c>projects.get_by_id</c>).</summary>
    public static async Task<(string? Name, string? DefaultOutputDestination)> GetAsync(ClearMLSession session, string projectId, CancellationToken cancellationToken)
    {
        var data = await session.CallAsync<GetProjectByIdResponse>("projects.get_by_id", new ProjectRequest { Project = projectId }, cancellationToken).ConfigureAwait(false);
        return (data.Project?.Name, data.Project?.DefaultOutputDestination);
    }
}
