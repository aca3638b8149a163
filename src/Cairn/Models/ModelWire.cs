using System.Text.Json.Nodes;
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
        var body = new JsonObject
        {
            ["uri"] = placeholderUri,
            ["name"] = name,
            ["labels"] = new JsonObject(),
            ["ready"] = false,
            ["public"] = false,
        };
        if (projectId is not null)
        {
            body["project"] = projectId;
        }
        var data = await session.CallAsync("models.create", body, cancellationToken).ConfigureAwait(false);
        return data["id"]?.GetValue<string>() ?? throw new ClearMLRequestException("models.create", 0, 0, "the answer holds no model id", null);
    }

    /// <summary><c>models.edit</c> of the given fields.</summary>
    public static Task EditAsync(ClearMLSession session, string modelId, JsonObject fields, CancellationToken cancellationToken)
    {
        fields["model"] = modelId;
        return session.CallAsync("models.edit", fields, cancellationToken);
    }

    /// <summary>
    /// Every model <paramref name="filter"/> matches, page by page (<c>page</c>/<c>page_size</c>), in
    /// the filter's order, until a short page or <paramref name="maxResults"/>.
    /// </summary>
    public static async IAsyncEnumerable<JsonObject> GetAllAsync(ClearMLSession session, JsonObject filter, int? maxResults,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken, int pageSize = PageSize)
    {
        // One page size throughout: the server pages by page × page_size, so shrinking the last
        // page would shift its offset back over results already returned.
        var size = maxResults is { } max ? Math.Min(pageSize, max) : pageSize;
        var returned = 0;
        for (var page = 0; size > 0; page++)
        {
            var body = filter.DeepClone().AsObject();
            body["page"] = page;
            body["page_size"] = size;
            var data = await session.CallAsync("models.get_all", body, cancellationToken).ConfigureAwait(false);
            var models = data["models"] as JsonArray ?? [];
            foreach (var model in models.OfType<JsonObject>())
            {
                if (returned == maxResults)
                {
                    yield break;
                }
                returned++;
                yield return (JsonObject)model.DeepClone();
            }
            if (models.Count < size || returned == maxResults)
            {
                yield break;
            }
        }
    }

    /// <summary>A JSON array of strings.</summary>
    public static JsonArray Array(IEnumerable<string> items) => [.. items.Select(i => (JsonNode?)JsonValue.Create(i))];
}
