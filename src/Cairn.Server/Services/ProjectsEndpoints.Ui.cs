using Cairn.Core.Errors;
using Cairn.Core.Models;
using Cairn.Core.Querying;
using Cairn.Core.Storage;
using Cairn.Protocol.Services;
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
        var request = call.Read<GetModelTagsRequest>();
        var store = call.Service<IMetadataStore>();
        var projects = await WithSubprojectsAsync(call, request.Projects).ConfigureAwait(false);
        var company = call.Identity.Company;
        var tags = await store.Models.GetTagsAsync(company, projects, systemTags: false, call.Aborted).ConfigureAwait(false);
        var systemTags = request.IncludeSystem
            ? await store.Models.GetTagsAsync(company, projects, systemTags: true, call.Aborted).ConfigureAwait(false)
            : null;
        return new TagsResponse(tags, systemTags);
    }

    /// <summary><c>projects.get_task_tags</c>: like <c>get_model_tags</c>, over the tasks.</summary>
    private static async Task<object?> GetTaskTagsAsync(ApiCall call)
    {
        var request = call.Read<GetModelTagsRequest>();
        var store = call.Service<IMetadataStore>();
        var projects = await WithSubprojectsAsync(call, request.Projects).ConfigureAwait(false);
        var company = call.Identity.Company;
        var tags = await store.Projects.GetTaskTagsAsync(company, projects, systemTags: false, call.Aborted).ConfigureAwait(false);
        var systemTags = request.IncludeSystem
            ? await store.Projects.GetTaskTagsAsync(company, projects, systemTags: true, call.Aborted).ConfigureAwait(false)
            : null;
        return new TagsResponse(tags, systemTags);
    }

    /// <summary>
    /// <c>projects.get_model_metadata_keys</c>: the metadata keys of the models in a project (and
    /// its subprojects unless <c>include_subprojects</c> is false) or company-wide, a page at a time.
    /// </summary>
    private static async Task<object?> GetModelMetadataKeysAsync(ApiCall call)
    {
        var request = call.Read<GetModelMetadataKeysRequest>();
        var (skip, take) = Page(request.Page, request.PageSize);
        var projects = await ScopeAsync(call, request.Project is { } project ? [project] : null, request.IncludeSubprojects).ConfigureAwait(false);
        var keys = await call.Service<IMetadataStore>().Projects.GetModelMetadataKeysAsync(call.Identity.Company, projects, call.Aborted).ConfigureAwait(false);
        var page = keys.Skip(skip).Take(take).ToList();
        return new MetadataKeysResponse(page, Math.Max(0, keys.Count - skip - page.Count), keys.Count);
    }

    /// <summary><c>projects.get_model_metadata_values</c>: the distinct values of one metadata key, a page at a time.</summary>
    private static async Task<object?> GetModelMetadataValuesAsync(ApiCall call)
    {
        var request = call.Read<GetModelMetadataValuesRequest>();
        if (string.IsNullOrWhiteSpace(request.Key))
        {
            throw CairnException.MissingFields("key");
        }
        var (skip, take) = Page(request.Page, request.PageSize);
        var projects = await ScopeAsync(call, request.Projects, request.IncludeSubprojects).ConfigureAwait(false);
        var (values, total) = await call.Service<IMetadataStore>().Projects
            .GetModelMetadataValuesAsync(call.Identity.Company, projects, request.Key, skip, take, call.Aborted).ConfigureAwait(false);
        return new MetadataValuesResponse(total, Math.Max(0, total - skip - values.Count), values);
    }

    /// <summary>
    /// <c>projects.get_unique_metric_variants</c>: the metric/variant pairs the tasks (or, with
    /// <c>model_metrics</c>, the models) of a project have reported, as their last metrics hold them.
    /// </summary>
    private static async Task<object?> GetUniqueMetricVariantsAsync(ApiCall call)
    {
        var request = call.Read<GetUniqueMetricVariantsRequest>();
        var projects = await ScopeAsync(call, request.Project is { } project ? [project] : null, request.IncludeSubprojects).ConfigureAwait(false);
        var ids = request.Ids?.OfType<string>().ToList();
        var variants = await call.Service<IMetadataStore>().Projects
            .GetMetricVariantsAsync(call.Identity.Company, projects, request.ModelMetrics, ids is { Count: > 0 } ? ids : null, call.Aborted).ConfigureAwait(false);
        return new MetricVariantsResponse([.. variants.Select(v => new MetricVariantDto(v.Metric, v.MetricHash, v.Variant, v.VariantHash))]);
    }

    /// <summary>
    /// <c>projects.get_hyper_parameters</c>: the distinct hyper-parameter sections and names of
    /// the tasks in a project (and its subprojects unless <c>include_subprojects</c> is false) or
    /// company-wide, a page at a time. <c>total</c> counts them all (ClearML's counts the page).
    /// </summary>
    private static async Task<object?> GetHyperParametersAsync(ApiCall call)
    {
        var request = call.Read<GetModelMetadataKeysRequest>();
        var (skip, take) = Page(request.Page, request.PageSize);
        var projects = await ScopeAsync(call, request.Project is { } project ? [project] : null, request.IncludeSubprojects).ConfigureAwait(false);
        var (parameters, total) = await call.Service<IMetadataStore>().Projects
            .GetHyperParametersAsync(call.Identity.Company, projects, skip, take, call.Aborted).ConfigureAwait(false);
        return new HyperParametersResponse(total, Math.Max(0, total - skip - parameters.Count),
            [.. parameters.Select(p => new HyperParameterDto(MetadataKey.Unescape(p.Section), MetadataKey.Unescape(p.Name)))]);
    }

    /// <summary>
    /// <c>projects.get_hyperparam_values</c>: the distinct values of hyper-parameter
    /// <c>section</c>.<c>name</c> of the tasks in <c>projects</c> (with their subprojects unless
    /// <c>include_subprojects</c> is false) or company-wide, public tasks too unless
    /// <c>allow_public</c> is false, those matching <c>pattern</c> (a regex, ignoring case), a page at a time.
    /// </summary>
    private static async Task<object?> GetHyperparamValuesAsync(ApiCall call)
    {
        var request = call.Read<GetHyperparamValuesRequest>();
        var missing = new[] { ("section", request.Section), ("name", request.Name) }.Where(f => f.Item2 is null).Select(f => f.Item1).ToArray();
        if (missing.Length > 0)
        {
            throw CairnException.MissingFields(missing);
        }
        var (skip, take) = Page(request.Page, request.PageSize);
        if (string.IsNullOrWhiteSpace(request.Section) || string.IsNullOrWhiteSpace(request.Name))
        {
            return new HyperParamValuesResponse(0, []); // no stored name is empty
        }
        var pattern = string.IsNullOrEmpty(request.Pattern) ? null : PythonRegex.Translate(request.Pattern);
        var projects = await ScopeAsync(call, request.Projects, request.IncludeSubprojects).ConfigureAwait(false);
        var (values, total) = await call.Service<IMetadataStore>().Projects.GetHyperParamValuesAsync(
            call.Identity.Company, request.AllowPublic, projects, MetadataKey.Escape(request.Section), MetadataKey.Escape(request.Name),
            pattern, skip, take, call.Aborted).ConfigureAwait(false);
        return new HyperParamValuesResponse(total, values);
    }

    private static async Task<List<string>?> ScopeAsync(ApiCall call, IEnumerable<string?>? projects, bool includeSubprojects) =>
        includeSubprojects
            ? await WithSubprojectsAsync(call, projects).ConfigureAwait(false)
            : projects?.OfType<string>().ToList() is { Count: > 0 } named ? named : null;

    private static (int Skip, int Take) Page(int page, int pageSize)
    {
        if (page < 0)
        {
            throw CairnException.Validation("page must be 0 or more");
        }
        if (pageSize is < 1 or > 10_000)
        {
            throw CairnException.Validation("page_size must be between 1 and 10000");
        }
        return ((int)Math.Min(int.MaxValue, (long)page * pageSize), pageSize);
    }
}
