using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Core.Errors;
using Cairn.Protocol;
using Cairn.Protocol.Services;

namespace Cairn.Server.Api;

/// <summary>
/// ClearML's <c>*_many</c> endpoints (api.md §1.7): each id is processed on its own, an API error
/// fails only that id, and the call answers 200 with <c>succeeded</c> and <c>failed</c>.
/// </summary>
public static class BatchOperation
{
    /// <summary>Reads the <c>ids</c> list (at least one, strings only).</summary>
    /// <exception cref="CairnException">400/12 when it is missing, empty or holds a non-string.</exception>
    public static List<string> ReadIds(List<string?>? ids)
    {
        if (ids is null || ids.Count == 0)
        {
            throw CairnException.Validation("error for field 'ids': at least one id is required");
        }
        if (ids.Any(id => id is null))
        {
            throw CairnException.Validation("error for field 'ids': every id must be a string");
        }
        return ids.Distinct(StringComparer.Ordinal).ToList()!;
    }

    /// <param name="ids">The ids, each processed once, in order.</param>
    /// <param name="operation">Answers one id (its <see cref="BatchItem.Id"/> is set here).</param>
    public static async Task<BatchOperationResponse<TItem>> RunAsync<TItem>(IReadOnlyList<string> ids, Func<string, Task<TItem>> operation)
        where TItem : BatchItem
    {
        var succeeded = new List<TItem>();
        var failed = new List<BatchOperationFailure>();
        foreach (var id in ids)
        {
            try
            {
                var item = (BatchItem)await operation(id).ConfigureAwait(false);
                succeeded.Add((TItem)(item with { Id = id }));
            }
            catch (CairnException e)
            {
                // The error data is any dictionary an error carries, so it is written by reflection here.
                var data = JsonSerializer.SerializeToNode(e.ErrorData, ClearmlJson.Options) as JsonObject ?? [];
                failed.Add(new BatchOperationFailure(id, new BatchOperationError([e.Error.Code, e.Error.Subcode], e.Message, data)));
            }
        }
        return new BatchOperationResponse<TItem>(succeeded, failed);
    }
}
