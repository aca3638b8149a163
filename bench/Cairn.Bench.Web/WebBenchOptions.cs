using System.Globalization;

namespace Cairn.Bench.Web;

/// <summary>
/// Command line: <c>Cairn.Bench.Web [server-binary] [--count N] [--runs N] [--samples N] [--seed N] [--include TAG] [--exclude TAG] [--data DIR]</c>.
/// </summary>
internal sealed record WebBenchOptions(string ServerBinary, int ModelCount, int Runs, int Samples, int Seed, string IncludeTag, string ExcludeTag)
{
    /// <summary>A directory that keeps the generated store for a later run or a look with sqlite3 (<c>--data</c>); null: a scratch directory.</summary>
    public string? DataDirectory { get; init; }

    public const string Usage =
        "usage: Cairn.Bench.Web [server-binary] [--count N] [--runs N] [--samples N] [--seed N] [--include TAG] [--exclude TAG] [--data DIR]\n" +
        "  server-binary defaults to src/Cairn.Server/bin/Release/net10.0/Cairn.Server under the repository root.\n" +
        "  --count: models in the store (default 100000); --runs: measured browser runs per case (default 10);\n" +
        "  --samples: measured API calls per query (default 50); --include/--exclude: the tags the filter steps click\n" +
        "  (default production and baseline; they must be among the generated tags);\n" +
        "  --data: keep the store in DIR and reuse it when a later run asks for the same count and seed.";

    public static WebBenchOptions Parse(string[] args)
    {
        string? binary = null;
        int count = 100_000, runs = 10, samples = 50, seed = 20_261_124;
        string include = "production", exclude = "baseline";
        string? data = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--count": count = Positive(args, ref i); break;
                case "--runs": runs = Positive(args, ref i); break;
                case "--samples": samples = Positive(args, ref i); break;
                case "--seed": seed = Positive(args, ref i); break;
                case "--include": include = Tag(args, ref i); break;
                case "--exclude": exclude = Tag(args, ref i); break;
                case "--data" when i + 1 < args.Length: data = Path.GetFullPath(args[++i]); break;
                case var arg when arg.StartsWith("--", StringComparison.Ordinal) || binary is not null:
                    throw new ArgumentException($"unexpected argument '{arg}'");
                default: binary = args[i]; break;
            }
        }
        if (include == exclude)
        {
            throw new ArgumentException("--include and --exclude must name different tags");
        }
        binary ??= Path.Combine(RepositoryRoot(), "src", "Cairn.Server", "bin", "Release", "net10.0", "Cairn.Server");
        return new WebBenchOptions(Path.GetFullPath(binary), count, runs, samples, seed, include, exclude) { DataDirectory = data };
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

    // Only a generated tag has rows to show, and it is what the filter panel lists.
    private static string Tag(string[] args, ref int i)
    {
        var name = args[i];
        if (++i >= args.Length || !Cairn.Bench.ModelCorpus.Tags.Contains(args[i], StringComparer.Ordinal))
        {
            throw new ArgumentException($"{name} needs one of the generated tags: {string.Join(", ", Cairn.Bench.ModelCorpus.Tags)}");
        }
        return args[i];
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
