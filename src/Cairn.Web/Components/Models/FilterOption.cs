namespace Cairn.Web.Components.Models;

/// <summary>One choice in a filter list: the value sent to the API (null for "empty") and its label.</summary>
public sealed record FilterOption(string? Value, string Label);
