using Cairn.Core.Errors;
using Cairn.Core.Storage;
using Cairn.Server.Api;

namespace Cairn.Server.Services;

/// <summary><c>users.*</c>: who the caller is.</summary>
public static partial class UsersEndpoints
{
    public static EndpointRegistry MapUsersEndpoints(this EndpointRegistry registry) =>
        registry
            .Add("users.get_current_user", GetCurrentUserAsync)
            .Add("users.get_all", GetAllAsync)
            .Add("users.get_by_id", GetByIdAsync);

    private static async Task<object?> GetCurrentUserAsync(ApiCall call)
    {
        var identity = call.Identity;
        var user = await call.Service<IMetadataStore>().Identity.GetUserOrNullAsync(identity.User, call.Aborted).ConfigureAwait(false)
            ?? throw new CairnException(ErrorCodes.InvalidUser, "failed loading user", new Dictionary<string, object?> { ["id"] = identity.User });
        return new
        {
            user = new
            {
                id = user.Id,
                name = user.Name,
                given_name = user.GivenName,
                family_name = user.FamilyName,
                company = new { id = identity.Company, name = identity.CompanyName },
                created = user.Created,
                role = identity.Role,
            },
            // camelCase keys, as ClearML sends them; a dictionary keeps them from the snake_case policy.
            getting_started = new Dictionary<string, string>
            {
                ["agentName"] = "clearml",
                ["configure"] = "clearml-init",
                ["install"] = "pip install clearml",
                ["packageName"] = "clearml",
            },
            settings = new { max_download_items = 50000 },
        };
    }
}
