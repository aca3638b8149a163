// Issue 15, "Measured": the time Cairn.Integrations.MLNet adds on the caller's thread to ML.NET's
// mlContext.Model.Save and Load, for a small model and a large one (default 200 MiB of weights),
// beside the same calls with no experiment running (the integration is then one null check: the
// floor). "register" runs an experiment without an output destination (the local path is
// registered); "upload" one with the files server (a private copy is taken and uploaded). The
// registration and upload run in the background; each round waits for them (experiment.FlushAsync)
// outside the timed call, so a round measures only what the caller waits for.
// Prints a Markdown report on stdout, progress on stderr:
//   dotnet run -c Release --project bench/Cairn.Bench.MLNet -- [--big-mib 200] [--rounds 5] [--server <binary>]
using System.Diagnostics;
using System.Globalization;
using Cairn;
using Cairn.Bench.Sdk;
using Cairn.Configuration;
using Cairn.Experiments;
using Cairn.Integrations;
using Cairn.Session;
using Microsoft.ML;
using Microsoft.ML.Data;

var bigMiB = Option("--big-mib", 200);
var rounds = Option("--rounds", 20);
var bigRounds = Option("--big-rounds", 5);
var root = RepositoryRoot();
var serverBinary = OptionText("--server") ?? new[] { "Release", "Debug" }
    .Select(c => Path.Combine(root, "src", "Cairn.Server", "bin", c, "net10.0", "Cairn.Server"))
    .FirstOrDefault(File.Exists) ?? throw new InvalidOperationException("Build src/Cairn.Server first (or pass --server).");
var progress = Console.Error;
FrameworkModelLog.AutoConnect = AutoConnectFrameworks.All; // not the machine's clearml.conf

var scratch = Directory.CreateTempSubdirectory("cairn-mlnet-bench-").FullName;
try
{
    var dataDir = Directory.CreateDirectory(Path.Combine(scratch, "data")).FullName;
    await using var server = await ServerChild.StartAsync(serverBinary, dataDir, CancellationToken.None);
    await using var session = new ClearMLSession(new ClearMLSettings
    {
        ApiHost = server.ApiBase,
        FilesHost = server.FilesBase,
        AccessKey = ServerChild.AccessKey,
        SecretKey = ServerChild.SecretKey,
        CacheDirectory = Path.Combine(scratch, "cache"),
    });

    var ml = new MLContext(seed: 1);
    var rows = new List<(string Size, long Bytes, string Mode, double Save, double Load, double OwnSave, double OwnLoad)>();
    foreach (var (label, slots, count) in new[] { ("small", 2, rounds), ($"{bigMiB} MiB", (int)(((long)bigMiB << 20) / sizeof(float)), bigRounds) })
    {
        await progress.WriteLineAsync($"fitting the {label} model ({slots:N0} slots)");
        var (model, schema) = Fit(ml, slots);
        var path = Path.Combine(scratch, $"model-{slots}.zip");
        foreach (var mode in new[] { "off", "register", "upload" })
        {
            Experiment? experiment = mode == "off" ? null
                : await Experiment.InitAsync("MLNet bench", $"{label} {mode}", outputUri: mode == "upload" ? OutputDestination.FilesServer : OutputDestination.None, session: session);
            var saves = new List<double>();
            var loads = new List<double>();
            // The integration's own work on the caller's thread, without ML.NET's: the explicit calls
            // run exactly what the interceptors add around Save and Load.
            var ownSaves = new List<double>();
            var ownLoads = new List<double>();
            // Round 0 warms up (JIT, first model creation) and is not counted.
            for (var round = 0; round <= count; round++)
            {
                var watch = Stopwatch.StartNew();
                ml.Model.Save(model, schema, path);
                var save = watch.Elapsed.TotalMilliseconds;
                if (experiment is not null)
                {
                    await experiment.FlushAsync();
                }
                watch.Restart();
                _ = ml.Model.Load(path, out _);
                var load = watch.Elapsed.TotalMilliseconds;
                if (experiment is not null)
                {
                    await experiment.FlushAsync();
                }
                watch.Restart();
                Cairn.Integrations.MLNet.MLNetModels.Saved(path);
                var ownSave = watch.Elapsed.TotalMilliseconds;
                if (experiment is not null)
                {
                    await experiment.FlushAsync();
                }
                watch.Restart();
                Cairn.Integrations.MLNet.MLNetModels.Loaded(path);
                var ownLoad = watch.Elapsed.TotalMilliseconds;
                if (experiment is not null)
                {
                    await experiment.FlushAsync();
                }
                if (round > 0)
                {
                    saves.Add(save);
                    loads.Add(load);
                    ownSaves.Add(ownSave);
                    ownLoads.Add(ownLoad);
                }
                await progress.WriteLineAsync($"  {label} {mode} round {round}: save {save:F2} ms, load {load:F2} ms");
            }
            if (experiment is not null)
            {
                await experiment.CloseAsync();
            }
            rows.Add((label, new FileInfo(path).Length, mode, Median(saves), Median(loads), Median(ownSaves), Median(ownLoads)));
        }
    }

    Console.WriteLine($"Median of {rounds} rounds (small) and {bigRounds} (large) per cell (after one warm-up), caller's thread only; the background registration and upload are waited for between calls, outside the timing.");
    Console.WriteLine();
    Console.WriteLine("| model (file size) | integration | Save ms | Save − floor ms | Load ms | Load − floor ms | integration's own work per Save ms | per Load ms |");
    Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
    foreach (var row in rows)
    {
        var floor = rows.First(r => r.Size == row.Size && r.Mode == "off");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {row.Size} ({row.Bytes / 1048576.0:F1} MiB) | {row.Mode} | {row.Save:F2} | {(row.Mode == "off" ? "floor" : (row.Save - floor.Save).ToString("+0.00;-0.00", CultureInfo.InvariantCulture))} | {row.Load:F2} | {(row.Mode == "off" ? "floor" : (row.Load - floor.Load).ToString("+0.00;-0.00", CultureInfo.InvariantCulture))} | {row.OwnSave:F3} | {row.OwnLoad:F3} |"));
    }
}
finally
{
    Directory.Delete(scratch, recursive: true);
}

// A linear regressor over a vector of `slots` floats, one pass of online gradient descent over two
// rows: its saved state is one float weight per slot, written as a binary array (ML.NET's
// normalizers write per-slot records, ten times slower, which would measure ML.NET, not Cairn).
static (ITransformer Model, DataViewSchema Schema) Fit(MLContext ml, int slots)
{
    var definition = SchemaDefinition.Create(typeof(VectorRow));
    definition[nameof(VectorRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, slots);
    var random = new Random(1);
    var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 2).Select(i =>
        new VectorRow { Features = [.. Enumerable.Range(0, slots).Select(_ => (float)random.NextDouble() + 0.5f)], Label = i }), definition);
    var model = ml.Regression.Trainers.OnlineGradientDescent(nameof(VectorRow.Label), nameof(VectorRow.Features), numberOfIterations: 1).Fit(data);
    return (model, data.Schema);
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

int Option(string name, int fallback) => OptionText(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

string? OptionText(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

static string RepositoryRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Cairn.slnx")))
    {
        dir = dir.Parent;
    }
    return dir?.FullName ?? throw new InvalidOperationException("Cairn.slnx not found above " + AppContext.BaseDirectory);
}

internal sealed class VectorRow
{
    public float[] Features { get; set; } = [];

    public float Label { get; set; }
}
