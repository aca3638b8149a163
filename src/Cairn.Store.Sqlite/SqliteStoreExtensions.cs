using Cairn.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Store.Sqlite;

public static class SqliteStoreExtensions
{
    /// <summary>Registers the embedded SQLite metadata store (one file at <paramref name="path"/>) as the process's <see cref="IMetadataStore"/>.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="path">The database file.</param>
    /// <param name="queryTimeout">The whole-query budget of <c>get_all</c> queries (<see cref="Core.Querying.QueryBudget"/>); null: the default.</param>
    public static IServiceCollection AddSqliteStore(this IServiceCollection services, string path, TimeSpan? queryTimeout = null)
    {
        var store = new SqliteMetadataStore(path, queryTimeout);
        services.AddSingleton(store);
        services.AddSingleton<IMetadataStore>(store);
        return services;
    }
}
