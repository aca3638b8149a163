using Cairn;
using Cairn.Configuration;
using Cairn.Models;
using Cairn.Session;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Cairn SDK in a host: <c>services.AddClearML(builder.Configuration.GetSection("ClearML"))</c>.</summary>
public static class ClearMLServiceCollectionExtensions
{
    /// <summary>
    /// The name of the <see cref="System.Net.Http.HttpClient"/> the registered client asks
    /// <c>IHttpClientFactory</c> for; add handlers to it with <c>services.AddHttpClient(ClearMLServiceCollectionExtensions.HttpClientName)</c>.
    /// </summary>
    public const string HttpClientName = "Cairn.ClearML";

    /// <summary>
    /// Registers a singleton <see cref="ClearMLClient"/> whose <see cref="ClearMLOptions"/> are bound
    /// from <paramref name="configuration"/> (a section such as <c>"ClearML"</c>; its keys are the
    /// option names: <c>ApiHost</c>, <c>AccessKey</c>, …), with <c>clearml.conf</c> and the
    /// <c>CLEARML_*</c> variables filling what it leaves unset. The client's HTTP connections come
    /// from <c>IHttpClientFactory</c> and it logs through the host's <see cref="ILoggerFactory"/>.
    /// A configuration that cannot work fails when the host starts (and when the client is
    /// resolved) with a message naming the key and where it came from.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IServiceCollection AddClearML(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var (source, prefix) = configuration is IConfigurationSection section
            ? ($"configuration section '{section.Path}'", section.Path + ":")
            : ("the configuration", "");
        services.AddOptions<ClearMLOptions>().Bind(configuration);
        return AddCore(services, source, prefix);
    }

    /// <summary>As <see cref="AddClearML(IServiceCollection, IConfiguration)"/>, with the options set by <paramref name="configure"/>.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IServiceCollection AddClearML(this IServiceCollection services, Action<ClearMLOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<ClearMLOptions>().Configure(configure);
        return AddCore(services, "ClearMLOptions set in code", "ClearMLOptions.");
    }

    /// <summary>As <see cref="AddClearML(IServiceCollection, IConfiguration)"/>, then <paramref name="configure"/> adjusts the bound options.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IServiceCollection AddClearML(this IServiceCollection services, IConfiguration configuration, Action<ClearMLOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        AddClearML(services, configuration);
        services.Configure(configure);
        return services;
    }

    private static IServiceCollection AddCore(IServiceCollection services, string source, string prefix)
    {
        services.AddOptions<ClearMLOptions>().ValidateOnStart();
        services.RemoveAll<ClearMLOptionsSource>();
        services.AddSingleton(new ClearMLOptionsSource(source, prefix));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClearMLOptions>, ClearMLOptionsValidator>());
        services.AddHttpClient(HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(ClearMLSession.CreateDefaultHandler);
        services.TryAddSingleton(provider =>
        {
            var origin = provider.GetRequiredService<ClearMLOptionsSource>();
            var options = Options(provider, origin);
            var settings = options.Resolve(origin.Source, origin.KeyPrefix, Environment.GetEnvironmentVariable);
            var factory = provider.GetRequiredService<IHttpClientFactory>();
            var session = new ClearMLSession(settings, provider.GetService<ILoggerFactory>(), provider.GetService<TimeProvider>(),
                () => Client(factory, TimeSpan.FromMinutes(5)),
                // Transfers of large weights may take long: no overall timeout (cancellation and the idle timeout end them).
                () => Client(factory, Timeout.InfiniteTimeSpan));
            if (options.DefaultUploadUri is { Length: > 0 } upload)
            {
                try
                {
                    session.DefaultUploadUri = ModelDestination.ConformDestination(upload, nameof(options.DefaultUploadUri), session);
                }
                catch (ArgumentException e)
                {
                    throw new ClearMLConfigurationException(origin.KeyPrefix + nameof(options.DefaultUploadUri), origin.Source,
                        $"{origin.KeyPrefix}{nameof(options.DefaultUploadUri)} (from {origin.Source}): {e.Message}", e);
                }
            }
            return new ClearMLClient(session, ownsSession: true);
        });
        return services;
    }

    /// <summary>
    /// The bound options. When the validator refused them, the same resolution is run on the
    /// unvalidated values so the caller gets the <see cref="ClearMLConfigurationException"/>
    /// (with its setting and source), not the options framework's wrapper.
    /// </summary>
    private static ClearMLOptions Options(IServiceProvider provider, ClearMLOptionsSource origin)
    {
        try
        {
            return provider.GetRequiredService<IOptions<ClearMLOptions>>().Value;
        }
        catch (OptionsValidationException)
        {
            var raw = new ClearMLOptions();
            foreach (var configure in provider.GetServices<IConfigureOptions<ClearMLOptions>>())
            {
                configure.Configure(raw);
            }
            foreach (var postConfigure in provider.GetServices<IPostConfigureOptions<ClearMLOptions>>())
            {
                postConfigure.PostConfigure(Microsoft.Extensions.Options.Options.DefaultName, raw);
            }
            raw.Resolve(origin.Source, origin.KeyPrefix, Environment.GetEnvironmentVariable);
            throw;
        }
    }

    // A fresh client per call is cheap: the factory pools and rotates the handlers underneath.
    private static HttpClient Client(IHttpClientFactory factory, TimeSpan timeout)
    {
        var client = factory.CreateClient(HttpClientName);
        client.Timeout = timeout;
        return client;
    }

    /// <summary>Where the registered options came from, for messages.</summary>
    private sealed record ClearMLOptionsSource(string Source, string KeyPrefix);

    /// <summary>Resolves the settings when the host starts, so a broken configuration stops start-up with its message.</summary>
    private sealed class ClearMLOptionsValidator(ClearMLOptionsSource origin) : IValidateOptions<ClearMLOptions>
    {
        public ValidateOptionsResult Validate(string? name, ClearMLOptions options)
        {
            try
            {
                options.Resolve(origin.Source, origin.KeyPrefix, Environment.GetEnvironmentVariable);
                return ValidateOptionsResult.Success;
            }
            catch (ClearMLConfigurationException e)
            {
                return ValidateOptionsResult.Fail(e.Message);
            }
        }
    }
}
