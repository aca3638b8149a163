using System.Net;
using Cairn.Core.Storage;
using Cairn.Server.Api;
using Cairn.Server.Auth;
using Cairn.Server.Files;
using Cairn.Server.Services;
using Cairn.Store.Postgres;
using Cairn.Store.Sqlite;
using Cairn.Web;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Cairn.Server.Hosting;

/// <summary>A configuration problem found at start, as one line naming the bad option.</summary>
public sealed class CairnStartupException(string message) : Exception(message);

/// <summary>Composition root: options, services, listeners and the request pipeline.</summary>
public static class CairnServer
{
    /// <summary>Builds the server, migrates the store and seeds identities; the caller runs it.</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <param name="configure">Lets tests and benchmarks adjust the builder (e.g. a fake clock) before it is built.</param>
    /// <exception cref="CairnStartupException">An option is invalid.</exception>
    public static async Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // appsettings.json ships next to the binary; ./data stays relative to where it is started.
            ContentRootPath = AppContext.BaseDirectory,
        });
        CairnConfiguration.AddCairnSources(builder.Configuration, args, Environment.GetEnvironmentVariables());
        configure?.Invoke(builder);

        var options = BindOptions(builder.Configuration);
        options.DataDir = Path.GetFullPath(options.DataDir);
        try
        {
            Directory.CreateDirectory(options.DataDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CairnStartupException($"Cairn:DataDir '{options.DataDir}' cannot be created: {e.Message}");
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            foreach (var port in options.SinglePort ? [options.WebPort] : new[] { options.ApiPort, options.WebPort, options.FilesPort })
            {
                if (options.Host == "localhost")
                {
                    kestrel.ListenLocalhost(port);
                }
                else
                {
                    kestrel.Listen(IPAddress.Parse(options.Host.Trim('[', ']')), port);
                }
            }
        }).ConfigureServices(KestrelTuning.AddMemoryPool);

        var signingKey = TokenService.LoadSigningKey(options.JwtSigningKey, options.DataDir);
        var services = builder.Services;
        services.AddSingleton(Options.Create(options));
        // Tried, so a clock registered by `configure` (a test's) wins.
        services.TryAddSingleton(TimeProvider.System);
        AddMetadataStore(services, options);
        services.AddSingleton(sp => new TokenService(signingKey, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(new ServerIdentity(signingKey));
        services.AddSingleton<FailedLoginLimiter>();
        services.AddSingleton<Authenticator>();
        services.AddSingleton<IdentitySeeder>();
        services.AddSingleton(new EndpointRegistry()
            .MapServerEndpoints()
            .MapAuthEndpoints()
            .MapUsersEndpoints()
            .MapProjectsEndpoints()
            .MapModelsEndpoints()
            .MapTasksEndpoints()
            .MapEventsEndpoints());
        services.AddSingleton<ApiDispatcher>();
        services.AddHostedService<SessionPurgeJob>();
        services.AddSingleton<TaskWatchdog>();
        services.AddHostedService(sp => sp.GetRequiredService<TaskWatchdog>());
        services.AddCairnBlobStore(builder.Configuration, options);
        services.AddSingleton<FileStorage>();
        services.AddSingleton<MemoryTrimmer>();
        services.AddSingleton<FileServer>();
        services.AddSingleton<ExternalStorage>();
        services.AddSingleton<FileDeletionQueue>();
        services.AddHostedService<FileDeletionJob>();
        services.AddHostedService<AbandonedUploadJob>();
        services.AddCairnWeb(new CairnWebOptions
        {
            ApiUrl = options.ApiUrl,
            WebUrl = options.WebUrl,
            FilesUrl = options.FilesUrl,
            WebPort = options.WebPort,
            SessionLifetime = options.TokenLifetime < TimeSpan.FromDays(7) ? options.TokenLifetime : TimeSpan.FromDays(7),
        }, sp => sp.GetRequiredService<ApiDispatcher>().HandleAsync);
        // The sign-in cookie's keys live in the database, so a session works on every replica.
        StoreXmlRepository.Register(services);
        services.AddCairnHealthChecks();
        services.AddCairnTelemetry(builder.Configuration);
        services.AddResponseCompression(compression =>
        {
            compression.Providers.Add<BrotliCompressionProvider>();
            compression.Providers.Add<GzipCompressionProvider>();
        });

        var app = builder.Build();
        try
        {
            await MigrateStoreAsync(app.Services.GetRequiredService<IMetadataStore>(), options).ConfigureAwait(false);
        }
        catch (CairnStartupException)
        {
            // Releases the store's connections (a PostgreSQL pool) of a server that will not run.
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        await app.Services.GetRequiredService<IdentitySeeder>().SeedAsync(options, CancellationToken.None).ConfigureAwait(false);
        await StoreXmlRepository.EnsureKeyAsync(app.Services).ConfigureAwait(false);

        MapPipeline(app, options);
        return app;
    }

    /// <summary>The one metadata store of the process, chosen by <c>Cairn:Database:Provider</c>.</summary>
    private static void AddMetadataStore(IServiceCollection services, CairnOptions options)
    {
        if (!options.Database.IsPostgres)
        {
            services.AddSqliteStore(options.DatabasePath, options.QueryTimeout);
            return;
        }
        try
        {
            services.AddPostgresStore(options.Database.ConnectionString!);
        }
        catch (ArgumentException e)
        {
            // Npgsql names the bad keyword or value's key, never the password's value.
            throw new CairnStartupException($"Cairn:Database:ConnectionString is not a valid PostgreSQL connection string: {FirstLine(e.Message)}");
        }
    }

    private static async Task MigrateStoreAsync(IMetadataStore store, CairnOptions options)
    {
        try
        {
            await store.MigrateAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (store is PostgresMetadataStore postgres && e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            // Npgsql's messages name the host and the user, not the password.
            throw new CairnStartupException(
                $"Cairn:Database:ConnectionString: the PostgreSQL database {postgres.Describe()} cannot be used: {FirstLine(e.Message)}");
        }
        catch (Exception e) when (e is InvalidOperationException or Microsoft.Data.Sqlite.SqliteException)
        {
            throw new CairnStartupException($"Cairn:DataDir database '{options.DatabasePath}' cannot be opened: {e.Message}");
        }
    }

    private static string FirstLine(string text) => text.Split('\n')[0].TrimEnd('\r');

    private static void MapPipeline(WebApplication app, CairnOptions options)
    {
        var dispatcher = app.Services.GetRequiredService<ApiDispatcher>();
        var fileServer = app.Services.GetRequiredService<FileServer>();
        app.UseConnectionCloseForForkingClients();
        app.UseCairnHealthChecks(options);
        // Files are mapped before compression: a compressed download would lose its
        // Content-Length, which the SDK reads as the size, and break ranges.
        if (options.SinglePort)
        {
            app.Map(options.FilesPrefix, files => files.Run(fileServer.HandleAsync));
        }
        else
        {
            app.MapWhen(http => http.Connection.LocalPort == options.FilesPort, files => files.Run(fileServer.HandleAsync));
        }
        app.UseResponseCompression();
        if (options.SinglePort)
        {
            app.Map(options.ApiPrefix, api => api.Run(dispatcher.HandleAsync));
        }
        else
        {
            app.MapWhen(http => http.Connection.LocalPort == options.ApiPort, api => api.Run(dispatcher.HandleAsync));
        }
        // Everything left is the web port (the web UI at its root in single-port mode too).
        app.UseCairnWeb();
    }

    private static CairnOptions BindOptions(IConfiguration configuration)
    {
        CairnOptions options;
        try
        {
            options = configuration.GetSection(CairnOptions.Section).Get<CairnOptions>() ?? new CairnOptions();
        }
        catch (InvalidOperationException e)
        {
            // The binder names the key and the value it could not convert; keep its first line.
            var detail = (e.InnerException?.Message ?? e.Message).Split('\n')[0];
            throw new CairnStartupException($"Invalid configuration: {e.Message.Split('\n')[0]} {detail}".Trim());
        }
        if (options.Validate() is { } problem)
        {
            throw new CairnStartupException(problem);
        }
        return options;
    }
}
