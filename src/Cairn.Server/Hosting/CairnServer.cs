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
        var trace = new StartupTrace();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // appsettings.json ships next to the binary; ./data stays relative to where it is started.
            ContentRootPath = AppContext.BaseDirectory,
        });
        CairnConfiguration.AddCairnSources(builder.Configuration, args, Environment.GetEnvironmentVariables());
        configure?.Invoke(builder);
        trace.Mark("host builder and configuration");

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
        // Off the critical path: the PBKDF2 of the seeded passwords (and of a first admin's, when
        // there is no database yet) runs on another core while the host is built and migrated.
        var hashes = IdentitySeeder.PrepareHashes(options, storeLikelyEmpty: !options.Database.IsPostgres && !File.Exists(options.DatabasePath));

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
            WarmUp = options.WebWarmUp,
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

        trace.Mark("options and services");
        var app = builder.Build();
        trace.Mark("build the host");
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
        trace.Mark("open and migrate the store");
        await app.Services.GetRequiredService<IdentitySeeder>().SeedAsync(options, hashes, CancellationToken.None).ConfigureAwait(false);
        trace.Mark("seed identities");

        MapPipeline(app, options);
        trace.Mark("map the pipeline");
        trace.LogWhenStarted(app);
        app.Lifetime.ApplicationStarted.Register(app.Services.GetRequiredService<MemoryTrimmer>().StartupEnded);
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
        // Everything left is the web port (the web UI at its root in single-port mode too). Its
        // sign-in key is made before the first web request, not at start (the key ring costs idle
        // memory a server whose UI nobody opens should not carry), and under the store's lock, so
        // replicas meeting their first visitors together on an empty database agree on one key.
        var signInKey = new SemaphoreSlim(1, 1);
        var keyReady = false;
        app.Use(async (http, next) =>
        {
            if (!Volatile.Read(ref keyReady))
            {
                await signInKey.WaitAsync(http.RequestAborted).ConfigureAwait(false);
                try
                {
                    if (!keyReady)
                    {
                        // A failure (the database away) leaves it to the next request to try again.
                        await StoreXmlRepository.EnsureKeyAsync(app.Services, http.RequestAborted).ConfigureAwait(false);
                        Volatile.Write(ref keyReady, true);
                    }
                }
                finally
                {
                    signInKey.Release();
                }
            }
            await next(http).ConfigureAwait(false);
        });
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
