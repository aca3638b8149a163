using System.Text.Json.Nodes;
using Cairn.Core.Errors;
using Cairn.Core.Identity;
using Cairn.Core.Storage;
using Cairn.Protocol;
using Cairn.Protocol.Services;
using Cairn.Server.Api;

namespace Cairn.Server.Services;

/// <summary>
/// <c>users.get_all</c> and <c>users.get_by_id</c>: the company's users, which ClearML's web UI
/// lists in its "user" filter menus.
/// </summary>
public static partial class UsersEndpoints
{
    private static async Task<object?> GetAllAsync(ApiCall call)
    {
        var request = call.Read<GetAllUsersRequest>();
        var ids = request.Id is { Count: > 0 } list ? list.OfType<string>().ToList() : null;
        var users = await call.Service<IMetadataStore>().Identity.GetUsersAsync(call.Identity.Company, ids, call.Aborted).ConfigureAwait(false);
        var fields = request.OnlyFields is { Count: > 0 } only ? only.OfType<string>().Append("id").ToHashSet(StringComparer.Ordinal) : null;
        var documents = users.Select(user => (JsonNode)Project(ToDocument(user), fields)).ToArray();
        return new JsonObject { ["users"] = new JsonArray(documents) };
    }

    private static async Task<object?> GetByIdAsync(ApiCall call)
    {
        var id = call.Read<GetUserByIdRequest>().User ?? throw CairnException.RequiredField("user");
        var users = await call.Service<IMetadataStore>().Identity.GetUsersAsync(call.Identity.Company, [id], call.Aborted).ConfigureAwait(false);
        var user = users.Count == 1 ? users[0]
            : throw new CairnException(ErrorCodes.InvalidUser, "invalid user id", new Dictionary<string, object?> { ["id"] = id });
        return new JsonObject { ["user"] = ToDocument(user) };
    }

    private static JsonObject ToDocument(User user) => new()
    {
        ["id"] = user.Id,
        ["name"] = user.Name,
        ["given_name"] = user.GivenName,
        ["family_name"] = user.FamilyName,
        ["company"] = user.Company,
        ["role"] = user.Role,
        ["created"] = ClearmlJson.FormatDate(user.Created),
    };

    /// <summary>Keeps only the requested top-level fields (users have no nested ones).</summary>
    private static JsonObject Project(JsonObject document, HashSet<string>? fields)
    {
        if (fields is null)
        {
            return document;
        }
        foreach (var name in document.Select(p => p.Key).Where(k => !fields.Contains(k)).ToList())
        {
            document.Remove(name);
        }
        return document;
    }
}
