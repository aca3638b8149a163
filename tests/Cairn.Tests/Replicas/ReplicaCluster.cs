using System.Collections.Concurrent;
using Amazon.Runtime;
using Amazon.S3;
using Cairn.Configuration;
using Cairn.Session;
using Cairn.Testing;
using Xunit;

namespace Cairn.Tests.Replicas;

/// <summary>The replica tests share one cluster (three processes start once) and run one after another on it.</summary>
[CollectionDefinition(Name)]
public sealed class ReplicaCollection : ICollectionFixture<ReplicaCluster>
{
    public const string Name = "replicas";
}

/// <summary>
/// Three real server processes on one PostgreSQL database and one S3 bucket (s3rver), configured as
/// behind a load balancer: the same signing key, and the balancer's file-server address
/// (<see cref="RoundRobinHandler.FilesHost"/>) as every replica's public one.
/// </summary>
public sealed class ReplicaCluster : IAsyncLifetime
{
    public const int ReplicaCount = 3;

    private readonly List<ServerProcess> _replicas = [];

    public string Bucket { get; } = $"cairn-replicas-{Guid.NewGuid():N}"[..40];

    public string WorkDir { get; } = Directory.CreateTempSubdirectory("cairn-replicas-work-").FullName;

    public string Database { get; private set; } = "";

    public string ConnectionString => TestPostgres.ConnectionStringFor(Database);

    public IReadOnlyList<ServerProcess> Replicas => _replicas;

    private static string Variable(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run the tests through scripts/test.sh, which starts s3rver and PostgreSQL.");

    public static AmazonS3Client S3() => new(
        new BasicAWSCredentials(Variable("CAIRN_TEST_S3_ACCESS_KEY"), Variable("CAIRN_TEST_S3_SECRET_KEY")),
        new AmazonS3Config { ServiceURL = Variable("CAIRN_TEST_S3_ENDPOINT"), ForcePathStyle = true, AuthenticationRegion = "us-east-1" });

    public async Task InitializeAsync()
    {
        Database = await TestPostgres.CreateDatabaseAsync();
        using (var s3 = S3())
        {
            await s3.PutBucketAsync(Bucket);
        }
        string[] settings =
        [
            "--Cairn:Database:Provider=postgres",
            $"--Cairn:Database:ConnectionString={ConnectionString}",
            "--Cairn:Files:Provider=s3",
            $"--Cairn:Files:S3:Bucket={Bucket}",
            "--Cairn:Files:S3:Prefix=files",
            $"--Cairn:Files:S3:Endpoint={Variable("CAIRN_TEST_S3_ENDPOINT")}",
            $"--Cairn:Files:S3:AccessKey={Variable("CAIRN_TEST_S3_ACCESS_KEY")}",
            $"--Cairn:Files:S3:SecretKey={Variable("CAIRN_TEST_S3_SECRET_KEY")}",
            "--Cairn:Files:S3:ForcePathStyle=true",
            $"--Cairn:PublicFilesUrl={RoundRobinHandler.FilesHost.AbsoluteUri.TrimEnd('/')}",
            // Deletions run as soon as they are queued; each replica says which ones it carried out.
            "--Cairn:FileDeletionGraceSeconds=0",
            "--Logging:LogLevel:Cairn.Server.Files.FileDeletionJob=Information",
            "--Logging:Console:FormatterOptions:SingleLine=true",
        ];
        // Started together, as a deployment does: the migrations run once, under their lock.
        var starts = Enumerable.Range(0, ReplicaCount).Select(_ => ServerProcess.StartAsync(settings)).ToList();
        try
        {
            await Task.WhenAll(starts);
        }
        finally
        {
            _replicas.AddRange(starts.Where(s => s.IsCompletedSuccessfully).Select(s => s.Result));
        }
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(_replicas.Select(r => r.DisposeAsync().AsTask()));
        if (Database.Length > 0)
        {
            await TestPostgres.DropDatabaseAsync(Database);
        }
        try
        {
            Directory.Delete(WorkDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A session whose requests go to the replicas in turn, through the virtual hosts the load balancer would be.</summary>
    public (ClearMLSession Session, RoundRobinHandler Router) RoundRobinSession(string name)
    {
        var router = new RoundRobinHandler(_replicas);
        var settings = new ClearMLSettings
        {
            ApiHost = RoundRobinHandler.ApiHost,
            FilesHost = RoundRobinHandler.FilesHost,
            AccessKey = TestServer.AccessKey,
            SecretKey = TestServer.SecretKey,
            CacheDirectory = Directory.CreateDirectory(Path.Combine(WorkDir, "cache-" + name + "-" + Guid.NewGuid().ToString("N")[..8])).FullName,
            RetryDeadline = TimeSpan.FromSeconds(30),
        };
        return (new ClearMLSession(settings, handler: router), router);
    }
}

/// <summary>
/// The load balancer, as an HTTP handler: a request to <see cref="ApiHost"/> or
/// <see cref="FilesHost"/> goes to the next replica's API or file port (per request, not per
/// connection), and each replica's share is counted.
/// </summary>
public sealed class RoundRobinHandler(IReadOnlyList<ServerProcess> replicas) : DelegatingHandler(new SocketsHttpHandler())
{
    public static readonly Uri ApiHost = new("http://api.replicas.test/");

    public static readonly Uri FilesHost = new("http://files.replicas.test/");

    private int _next = -1;

    /// <summary>Requests per replica, by its API port.</summary>
    public ConcurrentDictionary<int, int> ApiCalls { get; } = new();

    /// <summary>Requests per replica, by its file server port.</summary>
    public ConcurrentDictionary<int, int> FilesCalls { get; } = new();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        if (uri.Host == ApiHost.Host || uri.Host == FilesHost.Host)
        {
            var replica = replicas[(int)((uint)Interlocked.Increment(ref _next) % (uint)replicas.Count)];
            var api = uri.Host == ApiHost.Host;
            var port = api ? replica.ApiPort : replica.FilesPort;
            (api ? ApiCalls : FilesCalls).AddOrUpdate(port, 1, (_, n) => n + 1);
            request.RequestUri = new UriBuilder(uri) { Host = "127.0.0.1", Port = port }.Uri;
        }
        return base.SendAsync(request, cancellationToken);
    }
}
