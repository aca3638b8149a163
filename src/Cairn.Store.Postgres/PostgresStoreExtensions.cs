using Cairn.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Store.Postgres;

public static class PostgresStoreExtensions
{
    /// <summary>Registers the PostgreSQL metadata store as the process's <see cref="IMetadataStore"/>.</summary>
    /// <exception cref="ArgumentException">The connection string does not parse.</exception>
    public static IServiceCollection AddPostgresStore(this IServiceCollection services, string connectionString)
    {
        var store = new PostgresMetadataStore(connectionString);
        services.AddSingleton(store);
        services.AddSingleton<IMetadataStore>(store);
        return services;
    }
}
