namespace Cairn.Core.Querying;

/// <summary>
/// One entry of the <c>filters</c> request field (api.md §4.3). A <c>null</c> inside an include
/// list means "the field is empty"; inside an exclude list "the field is not empty".
/// </summary>
public sealed record ArrayFilter(
    IReadOnlyList<string?> AnyInclude,
    IReadOnlyList<string?> AnyExclude,
    IReadOnlyList<string?> AllInclude,
    IReadOnlyList<string?> AllExclude,
    LogicalOperator Operator);
