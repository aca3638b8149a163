namespace Cairn.Protocol.Services;

/// <summary><c>users.get_all</c>.</summary>
public sealed class GetAllUsersRequest
{
    public List<string?>? Id { get; set; }

    public List<string?>? OnlyFields { get; set; }
}

/// <summary><c>users.get_by_id</c>.</summary>
public sealed class GetUserByIdRequest
{
    public string? User { get; set; }
}
