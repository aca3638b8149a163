using System.Text.Json.Nodes;
using Cairn.Protocol.Services;

namespace Cairn.Web.Api;

/// <summary>The calls the model detail page makes: one model, its edits and its menu actions.</summary>
public static class ModelDetailApi
{
    /// <summary>The model, or null when there is no such model for this user (ClearML answers 400/201).</summary>
    public static async Task<ModelDetail?> GetModelOrNullAsync(this CairnApi api, string id, CancellationToken cancellationToken = default)
    {
        try
        {
            var data = await api.CallAsync("models.get_by_id_ex",
                new GetAllModelsRequest { Id = [id], OnlyFields = [.. ModelDetail.Fields] }, cancellationToken).ConfigureAwait(false);
            return data["models"] is JsonArray { Count: > 0 } models && models[0] is JsonObject model ? ModelDetail.From(model) : null;
        }
        catch (ApiException e) when (e.Code == 400)
        {
            return null;
        }
    }

    /// <summary>Several models by id, in the order asked, skipping those that do not exist.</summary>
    public static async Task<IReadOnlyList<ModelDetail>> GetModelsAsync(this CairnApi api, IReadOnlyList<string> ids, CancellationToken cancellationToken = default)
    {
        var data = await api.CallAsync("models.get_all_ex",
            new GetAllModelsRequest { Id = [.. ids], OnlyFields = [.. ModelDetail.Fields], Size = ids.Count }, cancellationToken).ConfigureAwait(false);
        var found = (data["models"] as JsonArray ?? []).OfType<JsonObject>().Select(ModelDetail.From).ToDictionary(m => m.Id);
        return [.. ids.Where(found.ContainsKey).Select(i => found[i])];
    }

    /// <summary>The project's name, or null when there is no such project ("*" is every project).</summary>
    public static async Task<EntityRef?> GetProjectOrNullAsync(this CairnApi api, string id, CancellationToken cancellationToken = default)
    {
        if (id == "*")
        {
            return new EntityRef("*", "All projects");
        }
        try
        {
            var data = await api.CallAsync("projects.get_by_id", new ProjectRequest { Project = id }, cancellationToken).ConfigureAwait(false);
            return data["project"] is JsonObject project ? new EntityRef(id, Json.String(project["name"])) : null;
        }
        catch (ApiException e) when (e.Code == 400)
        {
            return null;
        }
    }

    /// <summary>Every project's id and name, for the move dialog.</summary>
    public static async Task<IReadOnlyList<EntityRef>> GetProjectsAsync(this CairnApi api, CancellationToken cancellationToken = default)
    {
        var data = await api.CallAsync("projects.get_all",
            new GetAllProjectsRequest { OnlyFields = ["id", "name"], OrderBy = ["name"] }, cancellationToken).ConfigureAwait(false);
        return [.. (data["projects"] as JsonArray ?? []).Select(EntityRef.From).OfType<EntityRef>().OrderBy(p => p.Label, ProjectName.Comparer)];
    }

    /// <summary><c>models.edit</c> with the given fields (comment, design, labels, metadata).</summary>
    /// <exception cref="ApiException">The API refused the edit (a published model's design, a bad label).</exception>
    public static Task EditModelAsync(this CairnApi api, string id, EditModelRequest changes, CancellationToken cancellationToken = default)
    {
        changes.Model = id;
        return api.CallAsync("models.edit", changes, cancellationToken);
    }

    public static Task SetTagsAsync(this CairnApi api, string id, IEnumerable<string> tags, CancellationToken cancellationToken = default) =>
        api.CallAsync("models.update", new UpdateModelRequest { Model = id, Tags = [.. tags] }, cancellationToken);

    public static Task PublishAsync(this CairnApi api, string id, CancellationToken cancellationToken = default) =>
        BatchAsync(api, "models.publish_many", new ModelIdsRequest { Ids = [id] }, cancellationToken);

    public static Task ArchiveAsync(this CairnApi api, string id, CancellationToken cancellationToken = default) =>
        BatchAsync(api, "models.archive_many", new ModelIdsRequest { Ids = [id] }, cancellationToken);

    public static Task RestoreAsync(this CairnApi api, string id, CancellationToken cancellationToken = default) =>
        BatchAsync(api, "models.unarchive_many", new ModelIdsRequest { Ids = [id] }, cancellationToken);

    public static Task DeleteAsync(this CairnApi api, string id, CancellationToken cancellationToken = default) =>
        BatchAsync(api, "models.delete_many", new ModelIdsRequest { Ids = [id], Force = true }, cancellationToken);

    public static Task MoveAsync(this CairnApi api, string id, string project, CancellationToken cancellationToken = default) =>
        api.CallAsync("models.move", new MoveModelsRequest { Ids = [id], Project = project }, cancellationToken);

    /// <summary>A <c>*_many</c> call for one model; its per-id failure becomes an <see cref="ApiException"/> like any refusal.</summary>
    private static async Task BatchAsync(CairnApi api, string endpoint, ModelIdsRequest body, CancellationToken cancellationToken)
    {
        var data = await api.CallAsync(endpoint, body, cancellationToken).ConfigureAwait(false);
        if (data["failed"] is JsonArray { Count: > 0 } failed && failed[0]?["error"] is JsonObject error)
        {
            var codes = error["codes"] as JsonArray;
            throw new ApiException(endpoint, (int)Json.Long(codes?.ElementAtOrDefault(0)), (int)Json.Long(codes?.ElementAtOrDefault(1)),
                Json.String(error["msg"]) ?? $"{endpoint} failed");
        }
    }
}
