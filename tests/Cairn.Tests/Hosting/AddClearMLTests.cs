using System.Collections.Concurrent;
using Cairn.Configuration;
using Cairn.Models;
using Cairn.Testing;
using Cairn.Tests.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit;

namespace Cairn.Tests.Hosting;

/// <summary>
/// <c>AddClearML</c> in a real host against a real server. Its clients' failed uploads are seen by
/// the process-wide <see cref="OutputModel.WaitForUploadsAsync"/>, so these run alone.
/// </summary>
[Collection(nameof(DefaultUploadUriCollection))]
public sealed class AddClearMLTests(SdkServerFixture fixture) : IClassFixture<SdkServerFixture>, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cairn-di-").FullName;

    private Dictionary<string, string?> ServerSettings(string cacheName) => new()
    {
        ["ClearML:ApiHost"] = fixture.Server.ApiUrl.ToString(),
        ["ClearML:FilesHost"] = fixture.FilesHost,
        ["ClearML:AccessKey"] = TestServer.AccessKey,
        ["ClearML:SecretKey"] = TestServer.SecretKey,
        ["ClearML:CacheDirectory"] = Path.Combine(_root, cacheName),
        ["ClearML:RetryDeadline"] = "00:00:10",
    };

    private static IHost BuildHost(Dictionary<string, string?> settings, Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddClearML(builder.Configuration.GetSection(ClearMLOptions.SectionName));
        configure?.Invoke(builder);
        return builder.Build();
    }

    [Fact]
    public async Task A_host_resolves_a_client_bound_to_its_configuration_that_calls_the_server_through_the_factory_and_the_hosts_logging()
    {
        var recorder = new PathRecorder();
        var logs = new ListProvider();
        using var host = BuildHost(ServerSettings("cache-a"), builder =>
        {
            builder.Services.AddHttpClient(ClearMLServiceCollectionExtensions.HttpClientName).AddHttpMessageHandler(() => recorder);
            builder.Logging.SetMinimumLevel(LogLevel.Debug).AddProvider(logs);
        });
        await host.StartAsync();
        var client = host.Services.GetRequiredService<ClearMLClient>();
        Assert.Same(client, host.Services.GetRequiredService<ClearMLClient>());
        Assert.StartsWith(Path.Combine(_root, "cache-a"), client.Storage.CacheFolder);

        var project = SdkServerFixture.UniqueProject("di");
        var experiment = await client.InitAsync(new ExperimentInitOptions(project, "di run") { OutputUri = true, Tags = ["di"] });
        var model = new OutputModel(experiment, name: "from the host");
        var url = await model.UpdateWeightsAsync(UpdateWeightsOptions.Upload(fixture.WriteFile("di/w.bin", 20_000, seed: 3)) with { Iteration = 7 });
        await client.WaitForUploadsAsync(TimeSpan.FromMinutes(1));
        await experiment.CloseAsync();

        var found = await client.QueryModelsAsync(new ModelQuery { ProjectName = project });
        Assert.Equal([model.Id], found.Select(m => m.Id));
        Assert.Equal(url, found[0].Url);
        Assert.NotNull(found[0].GetMetadata(WeightsIntegrity.Sha256Key));
        Assert.StartsWith(Path.Combine(_root, "cache-a"), await found[0].GetLocalCopyAsync());

        // API calls and the file upload went through the factory's pipeline, and the session logged to the host.
        Assert.Contains(recorder.Paths, p => p.EndsWith("/tasks.create", StringComparison.Ordinal));
        Assert.Contains(recorder.Paths, p => p.Contains("/models/w.bin", StringComparison.Ordinal));
        Assert.Contains(logs.Messages, m => m.StartsWith("models.get_all answered 200", StringComparison.Ordinal));
        await host.StopAsync();
    }

    [Fact]
    public async Task Two_clients_in_one_process_have_their_own_sessions_caches_and_upload_queues()
    {
        // The second client uploads to a files server nobody listens on, so its upload fails.
        var deadSettings = ServerSettings("cache-b");
        deadSettings["ClearML:DefaultUploadUri"] = $"http://127.0.0.1:{TestServer.FreePort()}/nowhere";
        deadSettings["ClearML:RetryDeadline"] = "00:00:02";
        using var good = BuildHost(ServerSettings("cache-a"));
        using var dead = BuildHost(deadSettings);
        var a = good.Services.GetRequiredService<ClearMLClient>();
        var b = dead.Services.GetRequiredService<ClearMLClient>();
        Assert.NotSame(a.Session, b.Session);
        Assert.NotEqual(a.Storage.CacheFolder, b.Storage.CacheFolder);
        Assert.Null(a.DefaultUploadUri);
        Assert.StartsWith("http://127.0.0.1:", b.DefaultUploadUri);

        var project = SdkServerFixture.UniqueProject("two");
        var onA = await a.InitAsync(project, "run a", outputUri: fixture.FilesHost);
        var onB = await b.InitAsync(project, "run b", outputUri: fixture.FilesHost);
        var modelA = new OutputModel(onA, name: "model a");
        var modelB = new OutputModel(onB, name: "model b");
        await modelB.UpdateWeightsAsync(fixture.WriteFile("two/b.bin", 5_000, seed: 2));
        await modelA.UpdateWeightsAsync(fixture.WriteFile("two/a.bin", 5_000, seed: 1));

        // A's wait sees only A's upload: B's failure is not A's to report.
        await a.WaitForUploadsAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(0, a.PendingUploads);
        var failure = await Assert.ThrowsAsync<ModelUploadException>(() => b.WaitForUploadsAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal(modelB.Id, failure.ModelId);
        Assert.IsType<Cairn.Storage.StorageRequestException>(failure.InnerException);
        Assert.True(((ClearMLException)failure.InnerException!).IsTransient);
        Assert.StartsWith(fixture.FilesHost, (await a.GetModelAsync(modelA.Id)).Url);
    }

    [Fact]
    public async Task Cancelling_the_callers_token_stops_the_background_upload_it_started()
    {
        // A files server nobody listens on, retried for longer than the test waits: only the token can end the upload early.
        var settings = ServerSettings("cache-c");
        settings["ClearML:RetryDeadline"] = "00:05:00";
        settings["ClearML:DefaultUploadUri"] = $"http://127.0.0.1:{TestServer.FreePort()}/nowhere";
        using var host = BuildHost(settings);
        var client = host.Services.GetRequiredService<ClearMLClient>();
        var experiment = await client.InitAsync(SdkServerFixture.UniqueProject("cancel"), "cancel run");
        var model = new OutputModel(experiment, name: "cancelled");
        using var cancel = new CancellationTokenSource();

        await model.UpdateWeightsAsync(fixture.WriteFile("cancel/w.bin", 5_000), cancellationToken: cancel.Token);
        Assert.Equal(1, client.PendingUploads);
        await cancel.CancelAsync();

        var failure = await Assert.ThrowsAsync<ModelUploadException>(() => client.WaitForUploadsAsync(TimeSpan.FromMinutes(1)));
        Assert.IsAssignableFrom<OperationCanceledException>(failure.InnerException);
        Assert.EndsWith("/" + PlaceholderUri.Failed, (await client.GetModelAsync(model.Id)).Url);
    }

    [Fact]
    public async Task A_configuration_that_cannot_work_stops_start_up_naming_the_key_and_its_source_but_never_the_secret()
    {
        var settings = ServerSettings("cache-d");
        settings["ClearML:ApiHost"] = "not a url";
        settings["ClearML:SecretKey"] = "very-secret-value-1234";
        using var host = BuildHost(settings);

        var startup = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("ClearML:ApiHost (from configuration section 'ClearML') must be an absolute http(s) URL, not 'not a url'", startup.Message);
        var resolve = Assert.Throws<ClearMLConfigurationException>(() => host.Services.GetRequiredService<ClearMLClient>());
        Assert.Equal("ClearML:ApiHost", resolve.Setting);
        Assert.Equal("configuration section 'ClearML'", resolve.SettingSource);
        Assert.DoesNotContain("very-secret-value-1234", startup.Message + resolve.Message);

        var malformed = Path.Combine(_root, "clearml.conf");
        await File.WriteAllTextAsync(malformed, "api {\n  api_server: \"http://x\"\n  credentials { access_key: \"a\"\n");
        var noKeys = new Dictionary<string, string?> { ["ClearML:ConfigFile"] = malformed, ["ClearML:CacheDirectory"] = Path.Combine(_root, "cache-e") };
        using var broken = BuildHost(noKeys);
        var parse = Assert.Throws<ClearMLConfigurationException>(() => broken.Services.GetRequiredService<ClearMLClient>());
        Assert.IsType<Cairn.Configuration.Hocon.HoconParseException>(parse.InnerException);
        Assert.Contains(malformed, parse.Message);
    }

    [Fact]
    public async Task The_delegate_overload_registers_a_client_from_code()
    {
        var services = new ServiceCollection();
        services.AddClearML(o =>
        {
            o.ApiHost = fixture.Server.ApiUrl.ToString();
            o.FilesHost = fixture.FilesHost;
            o.AccessKey = TestServer.AccessKey;
            o.SecretKey = TestServer.SecretKey;
            o.CacheDirectory = Path.Combine(_root, "cache-f");
        });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<ClearMLClient>();
        var imported = await client.ImportModelAsync(new ImportModelOptions($"https://example.invalid/{Guid.NewGuid():N}/m.onnx")
        {
            Project = SdkServerFixture.UniqueProject("code"),
            Name = "from code",
        });
        Assert.Equal("from code", (await client.GetModelAsync(imported.Id)).Name);

        var missing = new ServiceCollection().AddClearML(o => o.ApiHost = "ftp://x");
        await using var bad = missing.BuildServiceProvider();
        var e = Assert.Throws<ClearMLConfigurationException>(() => bad.GetRequiredService<ClearMLClient>());
        Assert.Equal("ClearMLOptions.ApiHost", e.Setting);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A file still open only leaves a temp folder behind.
        }
    }

    /// <summary>Records the path of every request the factory's pipeline sends on to the real server.</summary>
    private sealed class PathRecorder : DelegatingHandler
    {
        public ConcurrentQueue<string> Paths { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Paths.Enqueue(request.RequestUri?.AbsolutePath ?? "");
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>A logging provider collecting formatted messages.</summary>
    private sealed class ListProvider : ILoggerProvider
    {
        private readonly Cairn.Tests.Session.ListLoggerFactory _sink = new();

        public ConcurrentQueue<string> Messages => _sink.Messages;

        public ILogger CreateLogger(string categoryName) => _sink;

        public void Dispose()
        {
        }
    }
}
