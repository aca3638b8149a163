using System.Text.Json;
using Cairn.Experiments;
using Cairn.Protocol;
using Cairn.Protocol.Services;
using Cairn.Models;
using Cairn.Session;

namespace Cairn;

public partial class Model
{
    /// <summary>
    /// The models that match, newest first, paging through all results (<c>models.get_all</c>,
    /// 500 per page). Each model comes back loaded.
    /// </summary>
    /// <param name="projectName">Only models of this project (exact full name; sub-projects are not included).</param>
    /// <param name="modelName">Only models with exactly this name.</param>
    /// <param name="tags">
    /// ClearML's tag filter: plain tags match any-of, <c>"-tag"</c> excludes, <c>"__$all"</c> /
    /// <c>"__$and"</c> switch to all-of, <c>"__$or"</c> back to any-of, <c>"__$not"</c> negates the next tag.
    /// </param>
    /// <param name="onlyPublished">Only published models (otherwise drafts and published).</param>
    /// <param name="includeArchived">Also archived models.</param>
    /// <param name="maxResults">At most this many models; null for all.</param>
    /// <param name="metadata">Only models whose metadata key has exactly this value.</param>
    /// <param name="session">The connection; null for the one made from the configuration.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <exception cref="ArgumentException">No project is named <paramref name="projectName"/>, or <paramref name="maxResults"/> is negative.</exception>
    /// <exception cref="ClearMLRequestException">The server refused the query.</exception>
    public static async Task<IReadOnlyList<Model>> QueryModelsAsync(string? projectName = null, string? modelName = null,
        IEnumerable<string>? tags = null, bool onlyPublished = false, bool includeArchived = false, int? maxResults = null,
        IReadOnlyDictionary<string, string>? metadata = null, ClearMLSession? session = null, CancellationToken cancellationToken = default)
    {
        if (maxResults < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxResults), maxResults, "maxResults must not be negative.");
        }
        session ??= SdkContext.DefaultSession;
        var models = new List<Model>();
        await foreach (var data in QueryAsync(session, projectName, modelName, tags, onlyPublished, includeArchived, maxResults, metadata, cancellationToken).ConfigureAwait(false))
        {
            models.Add(FromDocument(session, data));
        }
        return models;
    }

    /// <summary>
    /// The models <paramref name="query"/> matches, newest first, as a list (all pages read).
    /// <see cref="GetModelsAsync"/> yields them page by page instead.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="query"/> is null.</exception>
    /// <exception cref="ArgumentException">No project is named <see cref="ModelQuery.ProjectName"/>.</exception>
    /// <exception cref="ClearMLRequestException">The server refused the query.</exception>
    public static async Task<IReadOnlyList<Model>> QueryModelsAsync(ModelQuery query, ClearMLSession? session = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var models = new List<Model>();
        await foreach (var model in GetModelsAsync(query, session, cancellationToken).ConfigureAwait(false))
        {
            models.Add(model);
        }
        return models;
    }

    /// <summary>
    /// The models <paramref name="query"/> matches (all non-archived ones when null), newest first,
    /// each loaded. Lazy: nothing is sent until the enumeration starts, and each further page
    /// (<see cref="ModelQuery.PageSize"/> models, one <c>models.get_all</c>) is fetched only when
    /// the previous one has been consumed, so breaking out early stops the calls.
    /// </summary>
    /// <param name="query">What to match; null for every non-archived model.</param>
    /// <param name="session">The connection; null for the default client's.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <exception cref="ArgumentException">No project is named <see cref="ModelQuery.ProjectName"/> (thrown when the enumeration starts).</exception>
    /// <exception cref="ClearMLRequestException">The server refused a page.</exception>
    public static async IAsyncEnumerable<Model> GetModelsAsync(ModelQuery? query = null, ClearMLSession? session = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        query ??= new ModelQuery();
        session ??= SdkContext.DefaultSession;
        await foreach (var data in QueryAsync(session, query.ProjectName, query.ModelName, query.Tags, query.OnlyPublished, query.IncludeArchived,
            query.MaxResults, query.Metadata, cancellationToken, query.PageSize).ConfigureAwait(false))
        {
            yield return FromDocument(session, data);
        }
    }

    internal static async IAsyncEnumerable<ModelDocument> QueryAsync(ClearMLSession session, string? projectName, string? modelName,
        IEnumerable<string>? tags, bool onlyPublished, bool includeArchived, int? maxResults,
        IReadOnlyDictionary<string, string>? metadata, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken,
        int pageSize = ModelWire.PageSize)
    {
        // "id" breaks ties between models created in the same instant, so pages never overlap.
        var filter = new GetAllModelsRequest { OrderBy = ["-created", "-id"] };
        if (projectName is not null)
        {
            var projectId = await ProjectDirectory.FindIdAsync(session, projectName, cancellationToken).ConfigureAwait(false)
                ?? throw new ArgumentException($"No project is named '{projectName}'.", nameof(projectName));
            filter.Project = [projectId];
        }
        if (modelName is not null)
        {
            filter.Name = ClearmlText.ExactNameRegex(modelName);
        }
        if (tags is not null && tags.ToList() is { Count: > 0 } tagList)
        {
            filter.Tags = tagList;
        }
        if (!includeArchived)
        {
            filter.SystemTags = ["-archived"];
        }
        if (onlyPublished)
        {
            filter.Ready = true;
        }
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(key, nameof(metadata));
            (filter.FieldFilters ??= new(StringComparer.Ordinal))[MetadataKeys.ValuePath(key)] = JsonSerializer.SerializeToElement(value, ClearmlJson.TypeInfo<string>());
        }
        await foreach (var model in ModelWire.GetAllAsync(session, filter, maxResults, cancellationToken, pageSize).ConfigureAwait(false))
        {
            yield return model;
        }
    }
}
