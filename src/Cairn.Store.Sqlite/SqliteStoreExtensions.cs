using Cairn.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Store.Sqlite;

public static class SqliteStoreExtensions
{
    /// <summary>Registers the embedded SQLite metadata store (one file at <paramref name="path"/>) as the process's <see cref="IMetadataStore"/>.</summary>
    public static IServiceCollection AddSqliteStore(this IServiceCollection services, string path)
    {
        var store = new SqliteMetadataStore(path);
        services.AddSingleton(store);
        services.AddSingleton<IMetadataStore>(store);
        return services;
    }
}
