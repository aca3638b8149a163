namespace Cairn.Models;

/// <summary>
/// One model metadata entry as the server stores it: every part is a string, and
/// <see cref="Type"/> names how to read <see cref="Value"/> back (<c>int</c>, <c>float</c>,
/// <c>bool</c>, <c>str</c>, <c>list</c>, <c>dict</c>…), as ClearML's Python SDK writes it.
/// </summary>
/// <param name="Key">The metadata key.</param>
/// <param name="Type">The value's type name; null when none was given.</param>
/// <param name="Value">The value as text.</param>
public sealed record ModelMetadataItem(string Key, string? Type, string Value);
