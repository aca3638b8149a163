using System.Text.Json.Nodes;

namespace Cairn.Core.Models;

/// <summary>One entry of a model's metadata: ClearML keeps key, type and value as strings.</summary>
public sealed record MetadataItem(string? Key, string? Type, string? Value);

/// <summary>
/// A registered model (api.md §3.1). Free-form parts (design, ui_cache, last_metrics) are kept as
/// JSON objects; <see cref="Metadata"/> is keyed by the client's (unescaped) key.
/// </summary>
public sealed record Model
{
    public required string Id { get; init; }

    /// <summary>The owner; "" for a public model, whose owner is then <see cref="CompanyOrigin"/>.</summary>
    public required string Company { get; init; }
    public string? CompanyOrigin { get; init; }
    public required string Name { get; init; }
    public string? User { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required DateTimeOffset LastUpdate { get; init; }
    public DateTimeOffset? LastChange { get; init; }
    public string? LastChangedBy { get; init; }

    /// <summary>The creating task (may be <c>__DELETED__&lt;id&gt;</c> once that task is gone).</summary>
    public string? Task { get; init; }
    public string? Parent { get; init; }
    public string? Project { get; init; }
    public string? Comment { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public IReadOnlyList<string> SystemTags { get; init; } = [];
    public string? Framework { get; init; }
    public JsonObject? Design { get; init; }
    public IReadOnlyDictionary<string, int?>? Labels { get; init; }
    public string Uri { get; init; } = "";

    /// <summary>Published: locked for events, and what "ready" means on the wire.</summary>
    public bool Ready { get; init; }
    public JsonObject? UiCache { get; init; }
    public IReadOnlyDictionary<string, MetadataItem> Metadata { get; init; } = new Dictionary<string, MetadataItem>();
    public long LastIteration { get; init; }

    /// <summary>md5(metric) → md5(variant) → last/min/max values, maintained from scalar events.</summary>
    public JsonObject? LastMetrics { get; init; }

    public bool Archived => SystemTags.Contains(ArchivedTag);

    /// <summary>The system tag that marks an archived model (and task).</summary>
    public const string ArchivedTag = "archived";

    /// <summary>The prefix a reference gets when the entity it points to was deleted.</summary>
    public const string DeletedPrefix = "__DELETED__";
}

/// <summary>
/// The fields a write sets; a null member is left as it is. The store stamps last_change and
/// last_changed_by on every write, bumps last_update when a content field changes, and resets
/// ui_cache when the uri is written (unless the same write sets ui_cache).
/// </summary>
public sealed record ModelChanges
{
    public string? Name { get; init; }
    public string? Comment { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
    public IReadOnlyList<string>? SystemTags { get; init; }
    public string? Framework { get; init; }
    public JsonObject? Design { get; init; }
    public IReadOnlyDictionary<string, int?>? Labels { get; init; }
    public string? Uri { get; init; }
    public bool? Ready { get; init; }
    public string? Project { get; init; }
    public string? Parent { get; init; }
    public string? Task { get; init; }
    public DateTimeOffset? Created { get; init; }
    public JsonObject? UiCache { get; init; }
    public IReadOnlyDictionary<string, MetadataItem>? Metadata { get; init; }

    /// <summary>True when the write sets nothing.</summary>
    public bool IsEmpty => this == new ModelChanges();

    /// <summary>Whether the change moves <c>last_update</c> (ClearML bumps it for content, not for renames).</summary>
    public bool TouchesContent =>
        Uri is not null || Framework is not null || Design is not null || Labels is not null || Ready is not null
        || Metadata is not null || Tags is not null || SystemTags is not null;
}

public enum ModelPublishOutcome
{
    Published,
    NotFound,
    AlreadyReady,

    /// <summary>The creating task's status changed after it was read (ClearML's 400/121).</summary>
    TaskStatusChanged,
}

public enum ModelDeleteOutcome
{
    Deleted,
    NotFound,

    /// <summary>Tasks use the model as an input (ClearML's 400/205); <see cref="ModelDeleteResult.TasksUsing"/> says how many.</summary>
    InUse,

    /// <summary>The task that created the model is published (ClearML's 400/206).</summary>
    CreatingTaskPublished,
}

/// <summary>What a model delete did; <see cref="Uri"/> is the deleted model's weights URL.</summary>
public sealed record ModelDeleteResult(ModelDeleteOutcome Outcome, string? Uri = null, int TasksUsing = 0);
