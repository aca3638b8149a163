using Cairn.Protocol.Services;
using Cairn.Session;

namespace Cairn.Models;

/// <summary>The <c>models.*</c> calls the model classes share, in the shapes ClearML's SDK sends them.</summary>
internal static class ModelWire
{
    /// <summary>Most models one <c>models.get_all</c> page returns (ClearML's SDK uses 500).</summary>
    public const int PageSize = 500;

    /// <summary><c>models.create</c> with a placeholder URI, unpublished; returns the new id.</summary>
    public static async Task<string> CreateAsync(ClearMLSession session, string placeholderUri, string name, string? projectId, CancellationToken cancellationToken)
    {
        var body = new CreateModelRequest
        {
            Uri = placeholderUri,
            Name = name,
            Labels = [],
            Ready = false,
            Public = false,
            Project = projectId,
        };
        var data = await session.CallAsync<IdResponse>("models.create", body, cancellationToken).ConfigureAwait(false);
        return data.Id ?? throw new ClearMLRequestException("models.create", 0, 0, "the answer holds no model id", null);
    }

    /// <summary><c>models.edit</c> of the fields <paramref name="fields"/> sets.</summary>
    public static Task EditAsync(ClearMLSession session, string modelId, EditModelRequest fields, CancellationToken cancellationToken)
    {
        fields.Model = modelId;
        return session.CallAsync("models.edit", fields, cancellationToken);
    }

    /// <summary>The model document (<c>models.get_by_id</c>).</summary>
    public static async Task<ModelDocument> GetAsync(ClearMLSession session, string modelId, CancellationToken cancellationToken)
    {
        var data = await session.CallAsync<GetModelByIdResponse>("models.get_by_id", new ModelRequest { Model = modelId }, cancellationToken).ConfigureAwait(false);
        return data.Model ?? throw new ClearMLRequestException("models.get_by_id", 0, 0, $"the answer for model {modelId} holds no model", null);
    }

    /// <summary>
    /// Every model <paramref name="filter"/> matches, page by page (<c>page</c>/<c>page_size</c>), in
    /// the filter's order, until a short page or <paramref name="maxResults"/>. The filter's own paging is overwritten.
    /// </summary>
    public static async IAsyncEnumerable<ModelDocument> GetAllAsync(ClearMLSession session, GetAllModelsRequest filter, int? maxResults,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken, int pageSize = PageSize)
    {
        // One page size throughout: the server pages by page × page_size, so shrinking the last
        // page would shift its offset back over results already returned.
        var size = maxResults is { } max ? Math.Min(pageSize, max) : pageSize;
        var returned = 0;
        for (var page = 0; size > 0; page++)
        {
            filter.Page = page;
            filter.PageSize = size;
            var data = await session.CallAsync<GetAllModelsResponse>("models.get_all", filter, cancellationToken).ConfigureAwait(false);
            var models = data.Models ?? [];
            foreach (var model in models)
            {
                if (returned == maxResults)
                {
                    yield break;
                }
                if (model?.Id is null)
                {
                    continue; // Every model has an id; a document without one is not a model.
                }
                returned++;
                yield return model;
            }
            if (models.Count < size || returned == maxResults)
            {
                yield break;
            }
        }
    }
}
