using System.Net;

namespace Cairn.Server.Hosting;

/// <summary>
/// Server options, bound from the <c>Cairn</c> configuration section: <c>appsettings.json</c>,
/// <c>CAIRN_*</c> environment variables and command-line flags (see docs/configuration.md).
/// </summary>
public sealed class CairnOptions
{
    public const string Section = "Cairn";

    /// <summary>Where the database, the signing key and stored files live.</summary>
    public string DataDir { get; set; } = "data";

    /// <summary>The address every port binds to.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>The host name written into the generated clearml.conf (defaults to <see cref="Host"/>).</summary>
    public string? PublicHost { get; set; }

    public int ApiPort { get; set; } = 8008;

    public int WebPort { get; set; } = 8080;

    public int FilesPort { get; set; } = 8081;

    /// <summary>Render the web UI's sign-in page once right after start (see <c>CairnWebOptions.WarmUp</c>): a faster first page for more idle memory.</summary>
    public bool WebWarmUp { get; set; }

    /// <summary>
    /// The file server's address as clients reach it (<c>https://files.example.com</c>): behind a
    /// load balancer it is the balancer's, the same for every replica. The URLs in models are
    /// matched against it to find this server's files (deletion queue, web UI downloads) and it
    /// goes into the generated clearml.conf. Unset: <c>http://PublicHost:FilesPort</c>.
    /// </summary>
    public string? PublicFilesUrl { get; set; }

    /// <summary>Serve everything on <see cref="WebPort"/>: the API under <c>/api</c>, files under <c>/files</c>.</summary>
    public bool SinglePort { get; set; }

    /// <summary>HS256 key for API tokens (at least 32 characters). Replicas must share it. Generated and kept in the data directory when unset.</summary>
    public string? JwtSigningKey { get; set; }

    /// <summary>Default lifetime of a token from <c>auth.login</c> (ClearML's default: 30 days).</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The largest API request body accepted, in bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Where the file server stores files; <c>&lt;DataDir&gt;/files</c> when unset.</summary>
    public string? FilesRoot { get; set; }

    /// <summary>Where the file server keeps bytes (<c>Cairn:Files:Provider</c> and the provider's own section).</summary>
    public FilesOptions Files { get; set; } = new();

    /// <summary>The most file bytes one file-server upload may carry (all its file parts); 0 means no limit, as in ClearML.</summary>
    public long MaxUploadBytes { get; set; }

    /// <summary>Whether the file server requires a valid token (Bearer header or <c>clearml_token_basic</c> cookie).</summary>
    public bool FilesAuth { get; set; } = true;

    /// <summary>
    /// How long, in seconds, an upload may go without receiving a byte before it is cut (400).
    /// Bounds how stale a live upload's temporary file can get, which is what lets
    /// <see cref="AbandonedUploadAgeSeconds"/> tell another replica's live upload from a dead one.
    /// </summary>
    public int UploadIdleTimeoutSeconds { get; set; } = 300;

    /// <summary>
    /// A temporary upload file not written for this many seconds, and not owned by a live upload
    /// of this process, is abandoned (its server was killed) and removed. Keep it well above
    /// <see cref="UploadIdleTimeoutSeconds"/>: replicas sharing the folder judge each other's files by it.
    /// </summary>
    public int AbandonedUploadAgeSeconds { get; set; } = 3600;

    /// <summary>How often, in seconds, abandoned temporary upload files are looked for (also once at start-up).</summary>
    public int AbandonedUploadIntervalSeconds { get; set; } = 600;

    /// <summary>
    /// Seconds a queued file deletion waits before it runs (ClearML's async-delete job sleeps 10 s
    /// when idle), so a client that deletes the file itself right after deleting its model
    /// (the SDK's <c>Model.remove</c>, <c>Task.delete</c>) finds it still there.
    /// </summary>
    public int FileDeletionGraceSeconds { get; set; } = 10;

    /// <summary>
    /// Whether a model's old weights file is kept when its <c>uri</c> is replaced (ClearML keeps
    /// every one). False (the default): the old file, when this file server or a bucket of
    /// <see cref="StorageCredentials"/> holds it, is queued for deletion unless another model still uses it.
    /// </summary>
    public bool KeepReplacedWeights { get; set; }

    /// <summary>Credentials for deleting the SDK's objects on S3, Azure and GCS (<c>Cairn:StorageCredentials</c>).</summary>
    public Files.StorageCredentials StorageCredentials { get; set; } = new();

    /// <summary>An in-progress task whose last_update is older than this many seconds is stopped as non-responsive.</summary>
    public int TaskTimeoutSeconds { get; set; } = 7200;

    /// <summary>How often, in seconds, the watchdog looks for non-responsive tasks.</summary>
    public int TaskWatchdogIntervalSeconds { get; set; } = 900;

    /// <summary>The most time one <c>get_all</c> query may run in the store; past it the query is stopped and answered 400.</summary>
    public TimeSpan QueryTimeout { get; set; } = Core.Querying.QueryBudget.Default;

    /// <summary>Failed Basic authentications one client address may make per minute (a burst of this many, refilled evenly); 0: no limit.</summary>
    public int FailedAuthPerAddressPerMinute { get; set; } = 60;

    /// <summary>Failed Basic authentications per minute for one access key or user name, from any address; 0: no limit.</summary>
    public int FailedAuthPerKeyPerMinute { get; set; } = 20;

    /// <summary>
    /// Origins (<c>scheme://host[:port]</c>) whose web pages may call the API with credentials
    /// (CORS); <c>*</c> lets any origin call it without credentials. None by default.
    /// </summary>
    public List<string> CorsOrigins { get; set; } = [];

    /// <summary>The metadata store: embedded SQLite (the default) or a PostgreSQL database shared by replicas.</summary>
    public DatabaseOptions Database { get; set; } = new();

    /// <summary>Users created or updated on start (ClearML's "fixed users").</summary>
    public List<SeedUser> Users { get; set; } = [];

    /// <summary>API key pairs created or updated on start.</summary>
    public List<SeedCredential> Credentials { get; set; } = [];

    public string DatabasePath => Path.Combine(DataDir, "cairn.db");

    public string FilesRootPath => Path.GetFullPath(FilesRoot ?? Path.Combine(DataDir, "files"));

    public string ApiPrefix => SinglePort ? "/api" : "";

    public string FilesPrefix => SinglePort ? "/files" : "";

    public string PublicName => PublicHost ?? (Host is "0.0.0.0" or "::" or "[::]" ? "localhost" : Host);

    public string ApiUrl => $"http://{PublicName}:{(SinglePort ? WebPort : ApiPort)}{ApiPrefix}";

    public string WebUrl => $"http://{PublicName}:{WebPort}";

    public string FilesUrl => PublicFilesUrl?.TrimEnd('/') ?? $"http://{PublicName}:{(SinglePort ? WebPort : FilesPort)}{FilesPrefix}";

    /// <summary>Checks every option; the first problem is returned as one line naming the option.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDir))
        {
            return "Cairn:DataDir must not be empty.";
        }
        if (!IPAddress.TryParse(Host.Trim('[', ']'), out _) && Host != "localhost")
        {
            return $"Cairn:Host must be an IP address or 'localhost' (got '{Host}').";
        }
        foreach (var (name, port) in new[] { ("ApiPort", ApiPort), ("WebPort", WebPort), ("FilesPort", FilesPort) })
        {
            if (port is < 1 or > 65535)
            {
                return $"Cairn:{name} must be between 1 and 65535 (got {port}).";
            }
        }
        if (!SinglePort && (ApiPort == WebPort || ApiPort == FilesPort || WebPort == FilesPort))
        {
            return $"Cairn:ApiPort, Cairn:WebPort and Cairn:FilesPort must differ unless Cairn:SinglePort is true (got {ApiPort}, {WebPort}, {FilesPort}).";
        }
        if (JwtSigningKey is not null && JwtSigningKey.Length < 32)
        {
            return $"Cairn:JwtSigningKey must be at least 32 characters long (got {JwtSigningKey.Length}).";
        }
        if (TokenLifetime <= TimeSpan.Zero || TokenLifetime > TimeSpan.FromDays(365))
        {
            return $"Cairn:TokenLifetime must be more than zero and at most 365 days (got {TokenLifetime}).";
        }
        if (MaxRequestBodyBytes < 1024)
        {
            return $"Cairn:MaxRequestBodyBytes must be at least 1024 (got {MaxRequestBodyBytes}).";
        }
        if (PublicFilesUrl is not null && (!Uri.TryCreate(PublicFilesUrl, UriKind.Absolute, out var files) || files.Scheme is not ("http" or "https")
            || files.Query.Length > 0 || files.Fragment.Length > 0 || files.UserInfo.Length > 0))
        {
            return $"Cairn:PublicFilesUrl must be an http or https URL without query, fragment or user (got '{PublicFilesUrl}').";
        }
        if (FilesRoot is not null && string.IsNullOrWhiteSpace(FilesRoot))
        {
            return "Cairn:FilesRoot must not be blank (leave it unset for <DataDir>/files).";
        }
        if (Files.Validate() is { } filesProblem)
        {
            return filesProblem;
        }
        if (MaxUploadBytes < 0)
        {
            return $"Cairn:MaxUploadBytes must be 0 (no limit) or more (got {MaxUploadBytes}).";
        }
        if (UploadIdleTimeoutSeconds < 1)
        {
            return $"Cairn:UploadIdleTimeoutSeconds must be at least 1 (got {UploadIdleTimeoutSeconds}).";
        }
        if (AbandonedUploadAgeSeconds < 1)
        {
            return $"Cairn:AbandonedUploadAgeSeconds must be at least 1 (got {AbandonedUploadAgeSeconds}).";
        }
        if (AbandonedUploadIntervalSeconds < 1)
        {
            return $"Cairn:AbandonedUploadIntervalSeconds must be at least 1 (got {AbandonedUploadIntervalSeconds}).";
        }
        if (FileDeletionGraceSeconds is < 0 or > 3600)
        {
            return $"Cairn:FileDeletionGraceSeconds must be between 0 and 3600 (got {FileDeletionGraceSeconds}).";
        }
        if (StorageCredentials.Validate() is { } credentialsProblem)
        {
            return credentialsProblem;
        }
        if (TaskTimeoutSeconds < 1)
        {
            return $"Cairn:TaskTimeoutSeconds must be at least 1 (got {TaskTimeoutSeconds}).";
        }
        if (TaskWatchdogIntervalSeconds < 1)
        {
            return $"Cairn:TaskWatchdogIntervalSeconds must be at least 1 (got {TaskWatchdogIntervalSeconds}).";
        }
        if (QueryTimeout < TimeSpan.FromMilliseconds(10) || QueryTimeout > TimeSpan.FromMinutes(10))
        {
            return $"Cairn:QueryTimeout must be between 00:00:00.01 and 00:10:00 (got {QueryTimeout}).";
        }
        foreach (var (name, limit) in new[] { ("FailedAuthPerAddressPerMinute", FailedAuthPerAddressPerMinute), ("FailedAuthPerKeyPerMinute", FailedAuthPerKeyPerMinute) })
        {
            if (limit is < 0 or > 1_000_000)
            {
                return $"Cairn:{name} must be between 0 (no limit) and 1000000 (got {limit}).";
            }
        }
        foreach (var origin in CorsOrigins)
        {
            if (origin != "*" && (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                || uri.PathAndQuery != "/" || origin.TrimEnd('/').Length != uri.GetLeftPart(UriPartial.Authority).Length))
            {
                return $"Cairn:CorsOrigins entries must be '*' or an origin such as 'https://clearml.example.com' (got '{origin}').";
            }
        }
        if (Database.Validate() is { } databaseProblem)
        {
            return databaseProblem;
        }
        for (var i = 0; i < Users.Count; i++)
        {
            if (Users[i].Validate() is { } problem)
            {
                return $"Cairn:Users:{i}:{problem}";
            }
        }
        for (var i = 0; i < Credentials.Count; i++)
        {
            if (Credentials[i].Validate(Users) is { } problem)
            {
                return $"Cairn:Credentials:{i}:{problem}";
            }
        }
        return null;
    }
}

/// <summary>Which metadata store the server uses (<c>Cairn:Database</c>).</summary>
public sealed class DatabaseOptions
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary><c>sqlite</c> (embedded, in <see cref="CairnOptions.DataDir"/>, nothing to set up) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>The Npgsql connection string of the PostgreSQL database (postgres only).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Whether the provider is PostgreSQL (names are case-insensitive).</summary>
    public bool IsPostgres => string.Equals(Provider, Postgres, StringComparison.OrdinalIgnoreCase);

    internal string? Validate()
    {
        if (!IsPostgres && !string.Equals(Provider, Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            return $"Cairn:Database:Provider must be '{Sqlite}' or '{Postgres}' (got '{Provider}').";
        }
        if (IsPostgres && string.IsNullOrWhiteSpace(ConnectionString))
        {
            return $"Cairn:Database:ConnectionString must be set when Cairn:Database:Provider is '{Postgres}'.";
        }
        if (!IsPostgres && ConnectionString is not null)
        {
            // A connection string with the sqlite provider would be silently ignored: say so instead.
            return $"Cairn:Database:ConnectionString is for the '{Postgres}' provider; the '{Sqlite}' store lives in Cairn:DataDir.";
        }
        return null;
    }
}

/// <summary>A configured user: signs in to the web UI, and may use username/password as Basic credentials.</summary>
/// <summary>
/// <c>Cairn:Files</c>: which blob store holds the file server's bytes. Each provider binds its own
/// sub-section (<c>Cairn:Files:S3</c>, <c>Cairn:Files:Azure</c>) and checks it when registered.
/// </summary>
public sealed class FilesOptions
{
    public const string Disk = "disk";
    public const string S3 = "s3";
    public const string Azure = "azure";

    /// <summary><c>disk</c> (the default: under <see cref="CairnOptions.FilesRoot"/>); <c>s3</c> (<c>Cairn:Files:S3</c>); <c>azure</c> (<c>Cairn:Files:Azure</c>).</summary>
    public string Provider { get; set; } = Disk;

    // Only providers that are registered in BlobStoreRegistration pass.
    internal string? Validate() =>
        Provider.ToLowerInvariant() is Disk or S3 or Azure
            ? null
            : $"Cairn:Files:Provider must be 'disk', 's3' or 'azure' (got '{Provider}').";
}

public sealed class SeedUser
{
    public string Username { get; set; } = "";
    public string Password { get; set; } = "";
    public string? Name { get; set; }
    public string Role { get; set; } = Core.Identity.Roles.User;

    internal string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Username) || Username.Contains(':', StringComparison.Ordinal))
        {
            return "Username must be set and must not contain ':'.";
        }
        if (Password.Length < 8)
        {
            return "Password must be at least 8 characters long.";
        }
        return Core.Identity.Roles.IsKnown(Role) ? null : $"Role '{Role}' is not a known role (user, admin, ...).";
    }
}

/// <summary>A configured API key pair belonging to a configured user.</summary>
public sealed class SeedCredential
{
    public string AccessKey { get; set; } = "";
    public string SecretKey { get; set; } = "";
    public string User { get; set; } = "";
    public string? Label { get; set; }

    internal string? Validate(IReadOnlyList<SeedUser> users)
    {
        if (AccessKey.Length < 8 || AccessKey.Contains(':', StringComparison.Ordinal))
        {
            return "AccessKey must be at least 8 characters and must not contain ':'.";
        }
        if (SecretKey.Length < 16)
        {
            return "SecretKey must be at least 16 characters long.";
        }
        return users.Any(u => u.Username == User) ? null : $"User '{User}' must name one of Cairn:Users.";
    }
}
