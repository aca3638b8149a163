using Cairn.Core.Storage;

namespace Cairn.Store.Contracts;

/// <summary>
/// A metadata store provider under test: the factory of the stores the contract suites run
/// against. A provider instance serves one test (xunit makes a test-class instance per test) and
/// removes every store it made when disposed.
/// </summary>
public interface IStoreProvider : IAsyncDisposable
{
    /// <summary>The schema version the provider's newest migration brings a store to.</summary>
    int LatestSchemaVersion { get; }

    /// <summary>A new, empty store that has not been migrated yet.</summary>
    IMetadataStore CreateStore();

    /// <summary>Inserts a model row directly: the store has no models API yet, only the table projects count.</summary>
    Task InsertModelAsync(IMetadataStore store, ModelRow model);

    /// <summary>Inserts a task row directly: the store has no tasks API yet, only the table projects count.</summary>
    Task InsertTaskAsync(IMetadataStore store, TaskRow task);

    /// <summary>Reads a model or task row back: null when the row is gone, else its project column.</summary>
    Task<StoredRow?> FindRowOrNullAsync(IMetadataStore store, EntityTable table, string id);
}

public enum EntityTable
{
    Models,
    Tasks,
}

/// <summary>A model as the initial schema knows it.</summary>
public sealed record ModelRow(string Id, string Company, string? Project, bool Archived = false);

/// <summary>A task as the initial schema knows it; times are whole milliseconds.</summary>
public sealed record TaskRow(
    string Id,
    string Company,
    string? Project,
    string Status = "created",
    DateTimeOffset? Started = null,
    DateTimeOffset? Completed = null,
    bool Archived = false);

/// <summary>What a test needs to see of a stored model or task row.</summary>
public sealed record StoredRow(string? Project);
