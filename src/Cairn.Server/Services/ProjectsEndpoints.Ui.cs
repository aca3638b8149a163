using System.Text.Json.Nodes;
using Cairn.Core.Storage;
using Cairn.Server.Api;

namespace Cairn.Server.Services;

/// <summary>The <c>projects.*</c> helpers ClearML's web UI calls to fill its filter menus (api.md §5.3).</summary>
public static partial class ProjectsEndpoints
{
    /// <summary>
    /// The named projects with all their subprojects, the scope <c>models.get_frameworks</c> and
    /// <c>projects.get_model_tags</c> answer for; null (company-wide) when none are named.
    /// </summary>
    internal static async Task<List<string>?> WithSubprojectsAsync(ApiCall call, IEnumerable<string?>? ids)
    {
        var projects = ids?.OfType<string>().ToList();
        if (projects is not { Count: > 0 })
        {
            return null;
        }
        var descendants = await call.Service<IMetadataStore>().Projects.GetDescendantsAsync(call.Identity.Company, projects, call.Aborted).ConfigureAwait(false);
        projects.AddRange(descendants.Select(d => d.Id));
        return projects;
    }

    /// <summary>
    /// <c>projects.get_model_tags</c>: the distinct tags of the company's and public models, in the
    /// given projects and their subprojects or company-wide; system tags only when asked for.
    /// </summary>
    private static async Task<object?> GetModelTagsAsync(ApiCall call)
    {
        var request = call.Read<ModelTagsRequest>();
        var store = call.Service<IMetadataStore>();
        var projects = await WithSubprojectsAsync(call, request.Projects).ConfigureAwait(false);
        var company = call.Identity.Company;
        var tags = await store.Models.GetTagsAsync(company, projects, systemTags: false, call.Aborted).ConfigureAwait(false);
        var result = new JsonObject { ["tags"] = ModelDocuments.Strings(tags) };
        if (request.IncludeSystem)
        {
            var systemTags = await store.Models.GetTagsAsync(company, projects, systemTags: true, call.Aborted).ConfigureAwait(false);
            result["system_tags"] = ModelDocuments.Strings(systemTags);
        }
        return result;
    }

    private sealed class ModelTagsRequest
    {
        public bool IncludeSystem { get; set; }

        public List<string?>? Projects { get; set; }
    }
}
