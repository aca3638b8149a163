using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Core;
using Cairn.Core.Errors;
using Cairn.Core.Projects;
using Cairn.Core.Querying;
using Cairn.Core.Storage;
using Cairn.Protocol;
using Cairn.Protocol.Services;
using Cairn.Server.Api;
using Cairn.Server.Querying;

namespace Cairn.Server.Services;

/// <summary><c>projects.*</c>: the project tree (api.md §5.3).</summary>
public static partial class ProjectsEndpoints
{
    public static EndpointRegistry MapProjectsEndpoints(this EndpointRegistry registry) =>
        registry
            .Add("projects.create", CreateAsync)
            .Add("projects.get_by_id", GetByIdAsync)
            .Add("projects.get_all", call => GetAllAsync(call, extended: false))
            .Add("projects.get_all_ex", call => GetAllAsync(call, extended: true))
            .Add("projects.update", UpdateAsync)
            .Add("projects.delete", DeleteAsync)
            .Add("projects.get_model_tags", GetModelTagsAsync, "2.8")
            .Add("projects.get_task_tags", GetTaskTagsAsync, "2.8")
            .Add("projects.get_model_metadata_keys", GetModelMetadataKeysAsync, "2.17")
            .Add("projects.get_model_metadata_values", GetModelMetadataValuesAsync, "2.17")
            .Add("projects.get_unique_metric_variants", GetUniqueMetricVariantsAsync, "2.13")
            .Add("projects.get_hyper_parameters", GetHyperParametersAsync, "2.9")
            .Add("projects.get_hyperparam_values", GetHyperparamValuesAsync, "2.13");

    private static async Task<object?> CreateAsync(ApiCall call)
    {
        if (!call.Has("name"))
        {
            throw CairnException.MissingFields("name");
        }
        var request = call.Read<CreateProjectRequest>();
        var tags = ValidateTags("tags", request.Tags);
        var systemTags = ValidateTags("system_tags", request.SystemTags);
        var name = ProjectName.Parse(request.Name);
        var identity = call.Identity;
        var description = EntityLimits.Text("description", request.Description, EntityLimits.MaxCommentLength);
        var project = new NewProject(identity.Company, identity.User, name, description, tags, systemTags, request.DefaultOutputDestination);
        var result = await call.Service<IMetadataStore>().Projects
            .CreateAsync(project, call.Service<TimeProvider>().GetUtcNow(), call.Aborted).ConfigureAwait(false);
        return result.Outcome switch
        {
            ProjectCreateOutcome.Created => new IdResponse(result.Id),
            ProjectCreateOutcome.AlreadyExists => throw new CairnException(ErrorCodes.ExpectedUniqueData, null,
                new Dictionary<string, object?> { ["name"] = name.FullName, ["company"] = identity.Company },
                text: "Project with the same name already exists"),
            _ => throw new CairnException(ErrorCodes.PublicProjectExists, null,
                new Dictionary<string, object?> { ["name"] = name.FullName }),
        };
    }

    private static async Task<object?> GetByIdAsync(ApiCall call)
    {
        var id = call.Read<ProjectRequest>().Project ?? throw CairnException.RequiredField("project");
        var project = await call.Service<IMetadataStore>().Projects.GetByIdOrNullAsync(call.Identity.Company, id, call.Aborted).ConfigureAwait(false)
            ?? throw InvalidId(id);
        return new { project = ToDocument(project) };
    }

    private static async Task<object?> GetAllAsync(ApiCall call, bool extended)
    {
        var body = (JsonObject)call.Body.DeepClone();
        var searchHidden = ReadFlag(body, "search_hidden");
        var shallow = ReadFlag(body, "shallow_search");
        // "path" is internal; "parent" means any ancestor unless shallow_search asks for direct children.
        body.Remove("path");
        if (body["parent"] is { } parent && !shallow)
        {
            body.Remove("parent");
            body["path"] = parent;
        }
        else if (shallow && body["parent"] is null)
        {
            body["parent"] = new JsonArray((JsonNode?)null);
        }

        var request = GetAllRequest.Parse(body, EntityFields.Projects);
        if (!searchHidden && body["id"] is null)
        {
            request.Conditions.Add(new ListCondition("system_tags", TagFilter.None(Project.HiddenTag)));
        }

        var company = call.Identity.Company;
        var store = call.Service<IMetadataStore>();
        var (projects, scrollId) = await Pager.RunAsync(call, request,
            async query => new QueryPage<Project>(await store.Projects.QueryAsync(company, query, call.Aborted).ConfigureAwait(false), null)).ConfigureAwait(false);

        var projection = extended ? request.Projection.WithInclude("id") : request.Projection;
        var documents = new List<JsonObject>(projects.Count);
        foreach (var project in projects)
        {
            var document = ToDocument(project);
            if (extended)
            {
                if (searchHidden && project.SystemTags.Contains(Project.HiddenTag))
                {
                    document["hidden"] = true;
                }
                ExpandReferences(document);
            }
            documents.Add(document);
        }
        if (extended)
        {
            await JoinNamesAsync(call, store, projects, documents, projection).ConfigureAwait(false);
        }
        // Computed fields (counts, stats) are added after projection, so only_fields cannot drop them.
        var projected = documents.Select(projection.Apply).ToList();
        if (extended)
        {
            await AddContentsAndStatsAsync(call, store, projects, projected, searchHidden).ConfigureAwait(false);
        }

        var result = new JsonObject { ["projects"] = new JsonArray(projected.Select(d => (JsonNode)d).ToArray()) };
        if (scrollId is not null)
        {
            result["scroll_id"] = scrollId;
        }
        return result;
    }

    /// <summary>The <c>get_all_ex</c> joins: <c>user.name</c> and <c>parent.name</c> when the projection asks for them.</summary>
    private static async Task JoinNamesAsync(ApiCall call, IMetadataStore store, IReadOnlyList<Project> projects, List<JsonObject> documents, Projection projection)
    {
        var company = call.Identity.Company;
        // A page shares few distinct users and parents, so each is looked up once.
        if (projection.Requests("user.name"))
        {
            var names = new Dictionary<string, string?>();
            foreach (var (project, document) in projects.Zip(documents))
            {
                if (project.User is not { } userId)
                {
                    continue;
                }
                if (!names.TryGetValue(userId, out var name))
                {
                    names[userId] = name = (await store.Identity.GetUserOrNullAsync(userId, call.Aborted).ConfigureAwait(false))?.Name;
                }
                if (name is not null)
                {
                    document["user"] = new JsonObject { ["id"] = userId, ["name"] = name };
                }
            }
        }
        if (projection.Requests("parent.name"))
        {
            var names = new Dictionary<string, string?>();
            foreach (var (project, document) in projects.Zip(documents))
            {
                if (project.Parent is not { } parentId)
                {
                    continue;
                }
                if (!names.TryGetValue(parentId, out var name))
                {
                    names[parentId] = name = (await store.Projects.GetByIdOrNullAsync(company, parentId, call.Aborted).ConfigureAwait(false))?.Name;
                }
                if (name is not null)
                {
                    document["parent"] = new JsonObject { ["id"] = parentId, ["name"] = name };
                }
            }
        }
    }

    /// <summary>The <c>get_all_ex</c> additions: own contents, <c>stats</c> and <c>sub_projects</c>.</summary>
    private static async Task AddContentsAndStatsAsync(
        ApiCall call, IMetadataStore store, IReadOnlyList<Project> projects, List<JsonObject> documents, bool searchHidden)
    {
        var body = call.Body;
        var company = call.Identity.Company;
        var ids = projects.Select(p => p.Id).ToList();

        // stats_for_state: "active" (default), "archived", or explicit null for both.
        var statsState = !body.TryGetPropertyValue("stats_for_state", out var stateNode) ? "active"
            : stateNode is null ? null
            : stateNode.GetValueKind() == JsonValueKind.String ? stateNode.GetValue<string>()
            : throw CairnException.Validation("stats_for_state must be 'active', 'archived' or null");
        if (statsState is not (null or "active" or "archived"))
        {
            throw CairnException.Validation($"stats_for_state must be 'active' or 'archived', not '{statsState}'");
        }

        if (ReadFlag(body, "check_own_contents"))
        {
            var contents = await store.Projects.GetContentsAsync(company, ids, includeSubprojects: false, call.Aborted).ConfigureAwait(false);
            foreach (var (project, document) in projects.Zip(documents))
            {
                var own = contents[project.Id];
                var (tasks, models) = statsState switch
                {
                    "active" => (own.Tasks - own.ArchivedTasks, own.Models - own.ArchivedModels),
                    "archived" => (own.ArchivedTasks, own.ArchivedModels),
                    _ => (own.Tasks, own.Models),
                };
                document["own_tasks"] = tasks;
                document["own_models"] = models;
            }
        }

        if (ReadFlag(body, "include_stats"))
        {
            var withChildren = !body.ContainsKey("stats_with_children") || ReadFlag(body, "stats_with_children");
            var now = call.Service<TimeProvider>().GetUtcNow();
            var states = statsState is null ? new[] { "active", "archived" } : [statsState];
            var statsByState = new Dictionary<string, IReadOnlyDictionary<string, ProjectTaskStats>>();
            foreach (var state in states)
            {
                statsByState[state] = await store.Projects.GetTaskStatsAsync(company, ids, withChildren, state == "archived", now, call.Aborted).ConfigureAwait(false);
            }
            var descendants = withChildren
                ? await store.Projects.GetDescendantsAsync(company, ids, call.Aborted).ConfigureAwait(false)
                : [];
            foreach (var (project, document) in projects.Zip(documents))
            {
                var stats = new JsonObject();
                foreach (var state in states)
                {
                    stats[state] = JsonSerializer.SerializeToNode(ToStats(statsByState[state][project.Id]), ClearmlJson.Options);
                }
                document["stats"] = stats;
                document["sub_projects"] = new JsonArray(descendants
                    .Where(d => d.Path.Contains(project.Id) && (searchHidden || !d.Hidden))
                    .Select(d => (JsonNode)new JsonObject { ["id"] = d.Id, ["name"] = d.Name })
                    .ToArray());
            }
        }
    }

    private static object ToStats(ProjectTaskStats stats) => new
    {
        status_count = stats.StatusCount,
        total_tasks = stats.TotalTasks,
        total_runtime = stats.TotalRuntimeSeconds,
        completed_tasks_24h = stats.CompletedTasks24h,
        last_task_run = stats.LastTaskRun,
    };

    private static async Task<object?> UpdateAsync(ApiCall call)
    {
        var request = call.Read<UpdateProjectRequest>();
        var id = request.Project ?? throw CairnException.RequiredField("project");
        var tags = request.Tags is null ? null : ValidateTags("tags", request.Tags);
        var systemTags = request.SystemTags is null ? null : ValidateTags("system_tags", request.SystemTags);
        var name = string.IsNullOrEmpty(request.Name) ? null : ProjectName.Parse(request.Name);
        var identity = call.Identity;
        var store = call.Service<IMetadataStore>();
        await RequireWritableAsync(store, identity.Company, id, call.Aborted).ConfigureAwait(false);

        var description = EntityLimits.Text("description", request.Description, EntityLimits.MaxCommentLength);
        var changes = new ProjectChanges(name, description, tags, systemTags, request.DefaultOutputDestination);
        var outcome = await store.Projects.UpdateAsync(identity.Company, id, changes, call.Service<TimeProvider>().GetUtcNow(), call.Aborted).ConfigureAwait(false);
        switch (outcome)
        {
            case ProjectUpdateOutcome.NotFound:
                throw InvalidId(id);
            case ProjectUpdateOutcome.LocationChanged:
                throw new CairnException(ErrorCodes.CannotUpdateProjectLocation, null, new Dictionary<string, object?> { ["name"] = name!.FullName });
            case ProjectUpdateOutcome.NameTaken:
                throw new CairnException(ErrorCodes.ExpectedUniqueData, null,
                    new Dictionary<string, object?> { ["name"] = name!.FullName, ["company"] = identity.Company });
        }

        // ClearML echoes the fields it was given (tags sorted), not the normalized values.
        var fields = new JsonObject();
        foreach (var key in new[] { "name", "description", "tags", "system_tags", "default_output_destination" })
        {
            if (call.Body[key] is { } value)
            {
                fields[key] = key is "tags" or "system_tags"
                    ? new JsonArray((key == "tags" ? tags : systemTags)!.Order(StringComparer.Ordinal).Select(t => (JsonNode?)t).ToArray())
                    : value.DeepClone();
            }
        }
        return new UpdatedFieldsResponse(1, fields);
    }

    private static async Task<object?> DeleteAsync(ApiCall call)
    {
        var request = call.Read<DeleteProjectRequest>();
        var id = request.Project ?? throw CairnException.RequiredField("project");
        var company = call.Identity.Company;
        var store = call.Service<IMetadataStore>();
        await RequireWritableAsync(store, company, id, call.Aborted).ConfigureAwait(false);

        if (!request.Force)
        {
            // Archived tasks and models never block a delete.
            var contents = (await store.Projects.GetContentsAsync(company, [id], includeSubprojects: true, call.Aborted).ConfigureAwait(false))[id];
            var data = new Dictionary<string, object?> { ["id"] = id };
            if (contents.Tasks > contents.ArchivedTasks)
            {
                throw new CairnException(ErrorCodes.ProjectHasTasks, "use force=true", data);
            }
            if (contents.Models > contents.ArchivedModels)
            {
                throw new CairnException(ErrorCodes.ProjectHasModels, "use force=true", data);
            }
        }

        var result = await store.Projects.DeleteAsync(company, id, request.DeleteContents, call.Aborted).ConfigureAwait(false);
        return new ProjectDeletedResponse(result.Deleted,
            DisassociatedTasks: request.DeleteContents ? 0 : result.Tasks,
            DisassociatedModels: request.DeleteContents ? 0 : result.Models,
            DeletedModels: request.DeleteContents ? result.Models : 0,
            DeletedTasks: request.DeleteContents ? result.Tasks : 0);
    }

    private static async Task RequireWritableAsync(IMetadataStore store, string company, string id, CancellationToken cancellationToken)
    {
        var project = await store.Projects.GetByIdOrNullAsync(company, id, cancellationToken).ConfigureAwait(false) ?? throw InvalidId(id);
        if (project.Company != company)
        {
            throw new CairnException(ErrorCodes.NoWritePermission, $"cannot modify public project(s), ids=('{id}',)");
        }
    }

    private static List<string> ValidateTags(string field, List<string>? tags)
    {
        if (tags is null)
        {
            return [];
        }
        if (tags.Any(t => t is null))
        {
            throw CairnException.Validation($"error for field '{field}': every tag must be a string");
        }
        Core.Models.ModelRules.CheckTagSizes(field, tags);
        var reserved = tags.Where(t => t.StartsWith("__$", StringComparison.Ordinal)).ToList();
        if (reserved.Count > 0)
        {
            throw new CairnException(ErrorCodes.FieldsValueError, "unsupported tag prefix", new Dictionary<string, object?> { ["values"] = reserved });
        }
        return tags;
    }

    private static bool ReadFlag(JsonObject body, string key) =>
        body[key] is { } node && (node.GetValueKind() == JsonValueKind.True
            || (node.GetValueKind() is not JsonValueKind.False and not JsonValueKind.Null
                ? throw CairnException.Validation($"error for field '{key}': expected a boolean, got {node.ToJsonString()}")
                : false));

    private static CairnException InvalidId(string id) =>
        new(ErrorCodes.InvalidProjectId, null, new Dictionary<string, object?> { ["id"] = id });

    private static JsonObject ToDocument(Project project)
    {
        var document = new JsonObject
        {
            ["id"] = project.Id,
            ["name"] = project.Name,
            ["basename"] = project.Basename,
            ["company"] = project.Company,
            ["created"] = ClearmlJson.FormatDate(project.Created),
            ["last_update"] = ClearmlJson.FormatDate(project.LastUpdate),
            ["tags"] = new JsonArray(project.Tags.Select(t => (JsonNode?)t).ToArray()),
            ["system_tags"] = new JsonArray(project.SystemTags.Select(t => (JsonNode?)t).ToArray()),
            ["path"] = new JsonArray(project.Path.Select(t => (JsonNode?)t).ToArray()),
        };
        if (project.Description is not null)
        {
            document["description"] = project.Description;
        }
        if (project.User is not null)
        {
            document["user"] = project.User;
        }
        if (project.DefaultOutputDestination is not null)
        {
            document["default_output_destination"] = project.DefaultOutputDestination;
        }
        if (project.Parent is not null)
        {
            document["parent"] = project.Parent;
        }
        return document;
    }

    /// <summary>The <c>_ex</c> endpoints return references as objects: <c>{"id": ...}</c>, <c>{}</c> when empty.</summary>
    private static void ExpandReferences(JsonObject document)
    {
        foreach (var field in new[] { "company", "user", "parent" })
        {
            var id = document[field]?.GetValue<string>();
            document[field] = string.IsNullOrEmpty(id) ? new JsonObject() : new JsonObject { ["id"] = id };
        }
    }
}
