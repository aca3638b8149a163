using System.Globalization;

namespace Cairn.Bench;

/// <summary>
/// Command line: <c>Cairn.Bench [server-binary] [--workers N] [--duration S] [--warmup S] [--starts N] [--idle S] [--projects N] [--no-wrk]</c>
/// for the server benchmark, or <c>Cairn.Bench [server-binary] --models [--count N] [--samples N] [--seed N]</c> for the
/// <c>models.get_all</c> benchmark over a large store, or <c>Cairn.Bench [server-binary] --events [--points N] [--samples N]</c>
/// for the events benchmark.
/// </summary>
internal sealed record BenchOptions(
    string ServerBinary, int Workers, TimeSpan Duration, TimeSpan Warmup, int Starts, TimeSpan Idle, int Projects, bool UseWrk)
{
    public const string Usage =
        "usage: Cairn.Bench [server-binary] [--workers N] [--duration SECONDS] [--warmup SECONDS] [--starts N] [--idle SECONDS] [--projects N] [--no-wrk]\n" +
        "       Cairn.Bench [server-binary] --models [--count N] [--samples N] [--seed N] [--postgres CONNECTION_STRING]\n" +
        "       Cairn.Bench [server-binary] --events [--points N] [--samples N] [--postgres CONNECTION_STRING]\n" +
        "       Cairn.Bench [server-binary] --files [--file-mib N]\n" +
        "       Cairn.Bench [server-binary] --hardening\n" +
        "       Cairn.Bench [server-binary] --cli [--cli-binary PATH] [--runs N] [--count N] [--file-mib N]\n" +
        "       Cairn.Bench [server-binary] --replicas --postgres CONNECTION_STRING [--workers N] [--duration SECONDS] [--warmup SECONDS]\n" +
        "  server-binary defaults to src/Cairn.Server/bin/Release/net10.0/Cairn.Server under the repository root.\n" +
        "  --models fills a store with N models (default 100000) and measures models.get_all against hand-written SQL;\n" +
        "  --files uploads and downloads an N MiB file (default 1024) with curl against cp and against curl to a bare server,\n" +
        "  with the server's CPU time and peak RSS;\n" +
        "  --cli times the cairn command line (default src/Cairn.Cli/bin/Release/net10.0/Cairn.Cli): --help start-up, models list\n" +
        "  over N models (default 100000), upload and download of an N MiB file (default 1024), each beside a floor; --runs per step (default 20).\n" +
        "  --samples is the number of measured requests per query (default 200).\n" +
        "  --events sends N scalar points (default 1000000) to one model in events.add_batch calls of 10,000 and measures\n" +
        "  scalar_metrics_iter_histogram over them, each beside hand-written SQL.\n" +
        "  --postgres with --models or --events runs the server on a fresh PostgreSQL database made with that role (the models\n" +
        "  copied in with cairn move-to-postgres's COPY) and times hand-written PostgreSQL SQL as the floor.\n" +
        "  --replicas runs a mixed workload on one and then two server processes on one PostgreSQL database (fresh ones made\n" +
        "  with the --postgres role) and checks that nothing acknowledged was lost.";

    /// <summary>Run the <c>models.get_all</c> benchmark instead of the server benchmark.</summary>
    public bool Models { get; init; }

    /// <summary>Run the file-server benchmark (<c>--files</c>) instead of the server benchmark.</summary>
    public bool Files { get; init; }

    /// <summary>Size of the file the file-server benchmark moves, in MiB (<c>--file-mib</c>).</summary>
    public int FileMiB { get; init; } = 1024;

    /// <summary>Run the hardening benchmark (<c>--hardening</c>) instead of the server benchmark.</summary>
    public bool Hardening { get; init; }

    /// <summary>Run the replicas benchmark (<c>--replicas</c>) instead of the server benchmark.</summary>
    public bool Replicas { get; init; }

    /// <summary>A PostgreSQL role that may create databases (<c>--postgres</c>), for <c>--replicas</c>, and <c>--models</c>/<c>--events</c> on PostgreSQL.</summary>
    public string? Postgres { get; init; }

    /// <summary>Run the command-line benchmark (<c>--cli</c>) instead of the server benchmark.</summary>
    public bool Cli { get; init; }

    /// <summary>The <c>cairn</c> executable the command-line benchmark runs (<c>--cli-binary</c>).</summary>
    public string CliBinary { get; init; } = "";

    /// <summary>Runs per command step of the command-line benchmark (<c>--runs</c>).</summary>
    public int Runs { get; init; } = 20;

    /// <summary>Run the events benchmark instead of the server benchmark.</summary>
    public bool Events { get; init; }

    /// <summary>Scalar points the events benchmark sends (<c>--points</c>).</summary>
    public int EventCount { get; init; } = 1_000_000;

    /// <summary>Models to put in the store (<c>--count</c>).</summary>
    public int ModelCount { get; init; } = 100_000;

    /// <summary>Measured sequential requests per query (<c>--samples</c>).</summary>
    public int Samples { get; init; } = 200;

    /// <summary>Seed of the generated store, so runs compare like with like (<c>--seed</c>).</summary>
    public int Seed { get; init; } = 20_261_124;

    public static BenchOptions Parse(string[] args)
    {
        string? binary = null;
        int workers = 64, starts = 7, projects = 50, count = 100_000, samples = 200, seed = 20_261_124;
        double duration = 10, warmup = 2, idle = 5;
        var useWrk = true;
        var models = false;
        var files = false;
        var fileMiB = 1024;
        var events = false;
        var hardening = false;
        var replicas = false;
        string? postgres = null;
        var points = 1_000_000;
        var cli = false;
        string? cliBinary = null;
        var runs = 20;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--workers": workers = Positive(args, ref i); break;
                case "--duration": duration = Positive(args, ref i); break;
                case "--warmup": warmup = Positive(args, ref i); break;
                case "--starts": starts = Positive(args, ref i); break;
                case "--idle": idle = Positive(args, ref i); break;
                case "--projects": projects = Positive(args, ref i); break;
                case "--no-wrk": useWrk = false; break;
                case "--models": models = true; break;
                case "--files": files = true; break;
                case "--file-mib": fileMiB = Positive(args, ref i); break;
                case "--events": events = true; break;
                case "--hardening": hardening = true; break;
                case "--replicas": replicas = true; break;
                case "--postgres" when i + 1 < args.Length: postgres = args[++i]; break;
                case "--points": points = Positive(args, ref i); break;
                case "--cli": cli = true; break;
                case "--cli-binary" when i + 1 < args.Length: cliBinary = args[++i]; break;
                case "--runs": runs = Positive(args, ref i); break;
                case "--count": count = Positive(args, ref i); break;
                case "--samples": samples = Positive(args, ref i); break;
                case "--seed": seed = Positive(args, ref i); break;
                case var arg when arg.StartsWith("--", StringComparison.Ordinal) || binary is not null:
                    throw new ArgumentException($"unexpected argument '{arg}'");
                default: binary = args[i]; break;
            }
        }
        binary ??= Path.Combine(RepositoryRoot(), "src", "Cairn.Server", "bin", "Release", "net10.0", "Cairn.Server");
        return new BenchOptions(Path.GetFullPath(binary), workers, TimeSpan.FromSeconds(duration), TimeSpan.FromSeconds(warmup),
            starts, TimeSpan.FromSeconds(idle), projects, useWrk)
        {
            Models = models,
            Files = files,
            FileMiB = fileMiB,
            Events = events,
            Hardening = hardening,
            Replicas = replicas,
            Postgres = postgres,
            EventCount = points,
            ModelCount = count,
            Samples = samples,
            Seed = seed,
            Cli = cli,
            CliBinary = cli ? Path.GetFullPath(cliBinary ?? Path.Combine(RepositoryRoot(), "src", "Cairn.Cli", "bin", "Release", "net10.0", "Cairn.Cli")) : "",
            Runs = runs,
        };
    }

    private static int Positive(string[] args, ref int i)
    {
        var name = args[i];
        if (++i >= args.Length || !int.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
        {
            throw new ArgumentException($"{name} needs a positive whole number");
        }
        return value;
    }

    /// <summary>The directory holding Cairn.slnx, searched upwards from the working directory, then from this binary.</summary>
    private static string RepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Cairn.slnx")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new ArgumentException("cannot find the repository root (Cairn.slnx); pass the server binary's path");
    }
}
