using Cairn.Core.Blobs;
using Cairn.Core.Storage;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cairn.Server.Hosting;

/// <summary>
/// <c>/health/live</c> (the process answers) and <c>/health/ready</c> (the metadata store and the
/// blob store answer) on the API port, without credentials. The body is only the status word
/// (<c>Healthy</c>, <c>Degraded</c>, <c>Unhealthy</c>); why a check failed goes to the log, never
/// to an anonymous caller (it could name a host or a bucket).
/// </summary>
public static class HealthChecks
{
    public const string LivePath = "/health/live";

    public const string ReadyPath = "/health/ready";

    private const string ReadyTag = "ready";

    /// <summary>A missing key, so the blob store's check is one read-only stat that finds nothing.</summary>
    internal const string ProbeKey = ".cairn-health-probe";

    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    public static IServiceCollection AddCairnHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<MetadataStoreHealthCheck>("metadata-store", HealthStatus.Unhealthy, [ReadyTag], CheckTimeout)
            .AddCheck<BlobStoreHealthCheck>("blob-store", HealthStatus.Unhealthy, [ReadyTag], CheckTimeout);
        return services;
    }

    /// <summary>Maps the two paths ahead of the API dispatcher, so neither the envelope nor authentication applies.</summary>
    public static void UseCairnHealthChecks(this IApplicationBuilder app, CairnOptions options)
    {
        var live = new HealthCheckOptions { Predicate = _ => false, AllowCachingResponses = false };
        var ready = new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), AllowCachingResponses = false };
        if (options.SinglePort)
        {
            app.UseHealthChecks(LivePath, live);
            app.UseHealthChecks(ReadyPath, ready);
        }
        else
        {
            app.UseHealthChecks(LivePath, options.ApiPort, live);
            app.UseHealthChecks(ReadyPath, options.ApiPort, ready);
        }
    }

    private sealed class MetadataStoreHealthCheck(IMetadataStore store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            // One indexed read of the schema version: the database is reachable and migrated.
            await store.GetSchemaVersionAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
    }

    private sealed class BlobStoreHealthCheck(IBlobStore blobs) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            // A stat of a key that is never written: reaches the store (bucket, credentials) and changes nothing.
            await blobs.GetInfoOrNullAsync(ProbeKey, cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
    }
}
