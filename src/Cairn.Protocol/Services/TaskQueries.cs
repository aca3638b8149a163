namespace Cairn.Protocol.Services;

/// <summary>
/// <c>tasks.get_all</c> / <c>tasks.get_all_ex</c> (api.md §4): list filters (any of the values;
/// a <c>-</c> prefix excludes), free text over name, id and comment, order and one page.
/// </summary>
public sealed class GetAllTasksRequest
{
    public List<string?>? Id { get; set; }
    public List<string?>? Project { get; set; }
    public List<string?>? Status { get; set; }
    public List<string?>? Type { get; set; }
    public List<string?>? Tags { get; set; }
    public List<string?>? SystemTags { get; set; }

    /// <summary>Case-insensitive text matched against the task's name, id, comment and project.</summary>
    public string? SearchText { get; set; }

    /// <summary>Fields to sort by, a <c>-</c> prefix for descending.</summary>
    public List<string?>? OrderBy { get; set; }
    public List<string?>? OnlyFields { get; set; }
    public int? Page { get; set; }
    public int? PageSize { get; set; }
}
