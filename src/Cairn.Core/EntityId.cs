namespace Cairn.Core;

/// <summary>Entity ids are 32 lowercase hex characters, like ClearML's uuid4().hex.</summary>
public static class EntityId
{
    public static string New() => Guid.NewGuid().ToString("N");

    public static bool IsWellFormed(string? id) =>
        id is { Length: 32 } && id.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
