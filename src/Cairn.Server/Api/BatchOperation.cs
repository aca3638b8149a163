using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Core.Errors;
using Cairn.Protocol;

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
    /// <param name="operation">Returns the per-endpoint fields of a succeeded item.</param>
    public static async Task<JsonObject> RunAsync(IReadOnlyList<string> ids, Func<string, Task<JsonObject>> operation)
    {
        var succeeded = new JsonArray();
        var failed = new JsonArray();
        foreach (var id in ids)
        {
            try
            {
                var result = await operation(id).ConfigureAwait(false);
                var item = new JsonObject { ["id"] = id };
                foreach (var (key, value) in result.ToList())
                {
                    result.Remove(key);
                    item[key] = value;
                }
                succeeded.Add(item);
            }
            catch (CairnException e)
            {
                failed.Add(new JsonObject
                {
                    ["id"] = id,
                    ["error"] = new JsonObject
                    {
                        ["codes"] = new JsonArray(e.Error.Code, e.Error.Subcode),
                        ["msg"] = e.Message,
                        ["data"] = JsonSerializer.SerializeToNode(e.ErrorData, ClearmlJson.Options),
                    },
                });
            }
        }
        return new JsonObject { ["succeeded"] = succeeded, ["failed"] = failed };
    }
}
