using System.Text.Json.Nodes;
using Cairn.Core.Storage;
using Cairn.Server.Api;
using Cairn.Server.Querying;

namespace Cairn.Server.Services;

/// <summary>
/// What ClearML's <c>get_many_with_join</c> does to the references of an <c>_ex</c> answer: each
/// reference field becomes <c>{"id": …}</c> (<c>{}</c> when empty), and <c>&lt;field&gt;.name</c>
/// in the projection joins the referenced entity's name, one query per field.
/// </summary>
internal static class ReferenceJoins
{
    /// <summary>The projection with <c>id</c> and the id of every reference whose name it asks for (a joined name comes with its id).</summary>
    public static Projection WithReferenceIds(Projection projection, IEnumerable<string> fields, Func<string, bool>? alsoJoined = null)
    {
        projection = projection.WithInclude("id");
        foreach (var field in fields.Where(f => projection.Requests(f + ".name") || alsoJoined?.Invoke(f) == true))
        {
            projection = projection.WithInclude(field + ".id");
        }
        return projection;
    }

    /// <summary>Replaces each reference field's id with <c>{"id": id}</c>, or <c>{}</c> when it has none.</summary>
    public static void Expand(JsonObject document, IEnumerable<string> fields)
    {
        foreach (var field in fields)
        {
            var id = document[field]?.GetValue<string>();
            document[field] = string.IsNullOrEmpty(id) ? new JsonObject() : new JsonObject { ["id"] = id };
        }
    }

    /// <summary>
    /// Fills <c>&lt;field&gt;.name</c> for the references the projection asks names of: projects,
    /// users and the company by their own stores, <c>task</c> from the tasks, <c>parent</c> through
    /// <paramref name="parentNames"/> (a model's parent is a model, a task's a task). Ids that name
    /// nothing visible keep <c>{"id": …}</c>.
    /// </summary>
    public static async Task JoinNamesAsync(
        ApiCall call, IReadOnlyList<JsonObject> documents, Projection projection, IEnumerable<string> fields,
        Func<IReadOnlyCollection<string>, Task<IReadOnlyDictionary<string, string>>> parentNames)
    {
        var company = call.Identity.Company;
        var store = call.Service<IMetadataStore>();
        foreach (var field in fields.Where(f => projection.Requests(f + ".name")))
        {
            var ids = documents.Select(d => d[field]?["id"]?.GetValue<string>()).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
            if (ids.Count == 0)
            {
                continue;
            }
            var names = field switch
            {
                "project" => await store.Projects.GetNamesAsync(company, ids, call.Aborted).ConfigureAwait(false),
                "task" => await store.Tasks.GetNamesAsync(company, ids, call.Aborted).ConfigureAwait(false),
                "parent" => await parentNames(ids).ConfigureAwait(false),
                "user" => await store.Identity.GetUserNamesAsync(ids, call.Aborted).ConfigureAwait(false),
                _ => new Dictionary<string, string> { [company] = call.Identity.CompanyName },
            };
            foreach (var document in documents)
            {
                if (document[field]?["id"]?.GetValue<string>() is { } id && names.TryGetValue(id, out var name))
                {
                    document[field] = new JsonObject { ["id"] = id, ["name"] = name };
                }
            }
        }
    }
}
