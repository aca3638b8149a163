using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Cairn.Protocol.Services;

// ClearML's *_many answers (api.md §1.7): each id is processed on its own; the call answers 200
// with the ids that succeeded, each with its endpoint's fields, and the ids that failed with the
// error each would have got alone.

/// <summary><c>{succeeded: [{id, …}], failed: [{id, error}]}</c>.</summary>
/// <typeparam name="TItem">The endpoint's answer for one id, written with that <see cref="BatchItem.Id"/>.</typeparam>
public sealed record BatchOperationResponse<TItem>(IReadOnlyList<TItem> Succeeded, IReadOnlyList<BatchOperationFailure> Failed)
    where TItem : BatchItem;

/// <summary>
/// An answer that is also an item of a <c>*_many</c> answer: there it carries its id, written
/// first; answered alone (<c>tasks.stop</c> rather than <c>tasks.stop_many</c>) it has none and
/// the field is left out.
/// </summary>
public abstract record BatchItem
{
    /// <summary>The id the item answers for; null when answered alone.</summary>
    [JsonPropertyOrder(-1)]
    public string? Id { get; init; }
}

/// <summary>An id of a <c>*_many</c> call that failed, and why.</summary>
public sealed record BatchOperationFailure(string Id, BatchOperationError Error);

/// <summary>The error an id met: <c>codes</c> is <c>[result_code, result_subcode]</c>, <c>data</c> the envelope's <c>error_data</c>.</summary>
public sealed record BatchOperationError(IReadOnlyList<int> Codes, string Msg, JsonObject Data);

/// <summary><c>tasks.archive_many</c>, <c>models.archive_many</c>: whether the id was archived now (false when it already was).</summary>
public sealed record ArchivedItem(bool Archived) : BatchItem;

/// <summary><c>tasks.unarchive_many</c>, <c>models.unarchive_many</c>: whether the id was restored now (false when it was not archived).</summary>
public sealed record UnarchivedItem(bool Unarchived) : BatchItem;
