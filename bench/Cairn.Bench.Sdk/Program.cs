// The .NET SDK's weights transfers against curl on the same server and file (issue 5, "Measured"):
// UpdateWeightsAsync + WaitForUploadsAsync against `curl -F` (the same multipart shape),
// GetLocalCopyAsync cold against `curl -o`, and warm (cache hit), with this process's peak RSS.
// Prints a Markdown report on stdout, progress on stderr. Run through `bench/run.sh --sdk`;
// `--stores` runs ObjectStoreBenchmark instead (S3, Azure and GCS emulators).
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Cairn;
using Cairn.Bench.Sdk;
using Cairn.Configuration;
using Cairn.Session;
using static Cairn.Bench.Sdk.BenchTools;

if (args.Contains("--stores"))
{
    return await ObjectStoreBenchmark.RunAsync(args);
}

var fileMiB = Option("--file-mib", 1024);
var rounds = Option("--rounds", 3);
var warmCalls = Option("--warm-calls", 20);
var root = RepositoryRoot();
var serverBinary = OptionText("--server") ?? Path.Combine(root, "src", "Cairn.Server", "bin", "Release", "net10.0", "Cairn.Server");
var progress = Console.Error;

var scratch = Directory.CreateTempSubdirectory("cairn-sdk-bench-").FullName;
try
{
    var dataDir = Path.Combine(scratch, "data");
    Directory.CreateDirectory(dataDir);
    var source = Path.Combine(scratch, "model.bin");
    await progress.WriteLineAsync($"writing {fileMiB} MiB of random bytes to {source}");
    await WriteRandomFileAsync(source, (long)fileMiB << 20);

    await using var server = await ServerChild.StartAsync(serverBinary, dataDir, CancellationToken.None);
    var cacheDir = Path.Combine(scratch, "cache");
    await using var session = new ClearMLSession(new ClearMLSettings
    {
        ApiHost = server.ApiBase,
        FilesHost = server.FilesBase,
        AccessKey = ServerChild.AccessKey,
        SecretKey = ServerChild.SecretKey,
        CacheDirectory = cacheDir,
        CacheSizeLimitBytes = 4L << 30,
    });
    var token = await session.GetTokenAsync();
    var storage = new Cairn.Storage.StorageManager(session);
    var experiment = await Experiment.InitAsync("SDK bench", "transfer bench", outputUri: true, session: session);
    var model = new OutputModel(experiment, name: "bench weights");
    var curlObject = $"SDK bench/curl upload.{experiment.Id}/models/model.bin";
    var curlUrl = new Uri(server.FilesBase, string.Join('/', curlObject.Split('/').Select(Uri.EscapeDataString))).AbsoluteUri;
    var curlTarget = Path.Combine(scratch, "curl-download.bin");

    var curlUp = new List<double>();
    var sdkUp = new List<double>();
    var curlDown = new List<double>();
    var sdkCold = new List<double>();
    var sdkWarm = new List<double>();
    // CPU seconds per transfer: the client (SDK process or curl) and the server while it ran.
    var curlUpCpu = new List<(double Client, double Server)>();
    var sdkUpCpu = new List<(double Client, double Server)>();
    // The bare transfer (StorageManager.UploadFileAsync, no model calls), to tell the two apart.
    var rawUp = new List<double>();
    var rawUpCpu = new List<(double Client, double Server)>();
    var rawUrl = new Uri(server.FilesBase, $"SDK%20bench/raw%20upload.{experiment.Id}/models/model.bin").AbsoluteUri;
    double upPeak = 0, coldPeak = 0, warmPeak = 0;
    string? sdkUrl = null;
    for (var round = 1; round <= rounds; round++)
    {
        await progress.WriteLineAsync($"round {round}/{rounds}");
        // The stored copies of the previous round go first (untimed) for both, as in the files benchmark.
        if (round > 1)
        {
            await RunAsync("curl", "--silent", "--output", "/dev/null", "--request", "DELETE", "--header", $"Authorization: Bearer {token}", curlUrl);
            await storage.DeleteAsync(sdkUrl!);
            await storage.DeleteAsync(rawUrl);
        }
        // Every timed step starts with no dirty pages from the step before (untimed `sync`): otherwise
        // the second upload of a round pays for writing back the first one's gigabyte. The three
        // uploads take turns going first: the page cache's cost depends on the order (on this VM,
        // pages the host took back cost the writer a fault each, and the first gigabyte of a round
        // mostly gets pages the previous round's deletions just freed), so a fixed order would
        // charge one client for the machine.
        async Task CurlUploadAsync()
        {
            await SyncAsync();
            var (children, serverCpu) = (CpuTime.Children(), CpuTime.Of(server.ProcessId));
            curlUp.Add(await RunAsync("curl", "--silent", "--show-error", "--fail", "--output", "/dev/null",
                "--header", $"Authorization: Bearer {token}",
                "--form", $"/{curlObject}=@{source};filename=/{curlObject};type=application/octet-stream", server.FilesBase.AbsoluteUri));
            curlUpCpu.Add((CpuTime.Children() - children, CpuTime.Of(server.ProcessId) - serverCpu));
        }
        async Task SdkUploadAsync()
        {
            await SyncAsync();
            SelfMemory.ResetPeak();
            var (self, serverBefore) = (CpuTime.Self(), CpuTime.Of(server.ProcessId));
            var timer = Stopwatch.StartNew();
            sdkUrl = await model.UpdateWeightsAsync(source, iteration: round);
            await OutputModel.WaitForUploadsAsync();
            sdkUp.Add(timer.Elapsed.TotalSeconds);
            sdkUpCpu.Add((CpuTime.Self() - self, CpuTime.Of(server.ProcessId) - serverBefore));
            upPeak = Math.Max(upPeak, SelfMemory.PeakMiB());
        }
        async Task RawUploadAsync()
        {
            await SyncAsync();
            SelfMemory.ResetPeak();
            var (self, serverBefore) = (CpuTime.Self(), CpuTime.Of(server.ProcessId));
            var timer = Stopwatch.StartNew();
            await storage.UploadFileAsync(source, rawUrl);
            rawUp.Add(timer.Elapsed.TotalSeconds);
            rawUpCpu.Add((CpuTime.Self() - self, CpuTime.Of(server.ProcessId) - serverBefore));
            upPeak = Math.Max(upPeak, SelfMemory.PeakMiB());
        }
        Func<Task>[] uploads = [CurlUploadAsync, SdkUploadAsync, RawUploadAsync];
        for (var turn = 0; turn < uploads.Length; turn++)
        {
            await uploads[(turn + round - 1) % uploads.Length]();
        }
        var watch = Stopwatch.StartNew();

        File.Delete(curlTarget);
        await SyncAsync();
        curlDown.Add(await RunAsync("curl", "--silent", "--show-error", "--fail", "--header", $"Authorization: Bearer {token}", "--output", curlTarget, curlUrl));
        File.Delete(curlTarget);

        if (Directory.Exists(cacheDir))
        {
            Directory.Delete(cacheDir, recursive: true);
        }
        var reader = await Model.GetAsync(model.Id, session);
        await SyncAsync();
        SelfMemory.ResetPeak();
        watch.Restart();
        var copy = await reader.GetLocalCopyAsync();
        sdkCold.Add(watch.Elapsed.TotalSeconds);
        coldPeak = Math.Max(coldPeak, SelfMemory.PeakMiB());
        if (new FileInfo(copy).Length != (long)fileMiB << 20)
        {
            throw new InvalidOperationException("The SDK's copy has the wrong size.");
        }

        SelfMemory.ResetPeak();
        for (var i = 0; i < warmCalls; i++)
        {
            var fresh = await Model.GetAsync(model.Id, session); // untimed: the model's row, as a caller would have it
            watch.Restart();
            await fresh.GetLocalCopyAsync();
            sdkWarm.Add(watch.Elapsed.TotalMilliseconds);
        }
        warmPeak = Math.Max(warmPeak, SelfMemory.PeakMiB());
    }
    await experiment.CloseAsync();

    var report = new StringBuilder();
    var up = Median(sdkUp) / Median(curlUp);
    var down = Median(sdkCold) / Median(curlDown);
    var mib = (double)fileMiB;
    report.AppendLine(Invariant($"{fileMiB} MiB of random bytes, {rounds} rounds (medians), {warmCalls} cache hits per round; the three uploads take turns going first (round 1: curl, SDK, bare; round 2: SDK, bare, curl; round 3: bare, curl, SDK); load average {SelfMemory.LoadAverage()} at the end; {Environment.ProcessorCount} cores."));
    report.AppendLine();
    report.AppendLine("| step | SDK | curl | SDK / curl | target | SDK peak RSS | target |");
    report.AppendLine("|---|---|---|---|---|---|---|");
    report.AppendLine(Invariant($"| upload: `UpdateWeightsAsync` + `WaitForUploadsAsync` vs `curl -F` | {Median(sdkUp):0.00} s ({mib / Median(sdkUp):0} MiB/s) | {Median(curlUp):0.00} s | {up:0.00} | ≤ 1.2 {Mark(up <= 1.2)} | {upPeak:0} MiB | < 150 MiB {Mark(upPeak < 150)} |"));
    report.AppendLine(Invariant($"| cold download: `GetLocalCopyAsync` vs `curl -o` | {Median(sdkCold):0.00} s ({mib / Median(sdkCold):0} MiB/s) | {Median(curlDown):0.00} s | {down:0.00} | ≤ 1.2 {Mark(down <= 1.2)} | {coldPeak:0} MiB | < 150 MiB {Mark(coldPeak < 150)} |"));
    report.AppendLine(Invariant($"| warm: `GetLocalCopyAsync` cache hit | {Median(sdkWarm):0.00} ms (max {sdkWarm.Max():0.00} ms) | – | – | < 5 ms {Mark(Median(sdkWarm) < 5)} | {warmPeak:0} MiB | < 150 MiB {Mark(warmPeak < 150)} |"));
    report.AppendLine();
    report.AppendLine(Invariant($"All rounds: SDK upload {Join(sdkUp)} s, curl upload {Join(curlUp)} s; SDK cold {Join(sdkCold)} s, curl download {Join(curlDown)} s."));
    report.AppendLine();
    report.AppendLine(Invariant($"Upload CPU seconds (medians; client + server while it ran): SDK {Median([.. sdkUpCpu.Select(c => c.Client)]):0.00} + {Median([.. sdkUpCpu.Select(c => c.Server)]):0.00}, ")
        + Invariant($"bare StorageManager.UploadFileAsync {Median([.. rawUpCpu.Select(c => c.Client)]):0.00} + {Median([.. rawUpCpu.Select(c => c.Server)]):0.00} ({Median(rawUp):0.00} s wall, rounds {Join(rawUp)}), ")
        + Invariant($"curl {Median([.. curlUpCpu.Select(c => c.Client)]):0.00} + {Median([.. curlUpCpu.Select(c => c.Server)]):0.00}."));
    report.AppendLine(Invariant($"Server CPU per round: SDK {Join([.. sdkUpCpu.Select(c => c.Server)])}; bare {Join([.. rawUpCpu.Select(c => c.Server)])}; curl {Join([.. curlUpCpu.Select(c => c.Server)])}."));
    Console.Write(report.ToString());
    return 0;
}
finally
{
    Directory.Delete(scratch, recursive: true);
}

static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

static string Mark(bool met) => met ? "✓" : "✗";

static string Join(List<double> values) => string.Join(", ", values.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)));

static string RepositoryRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Cairn.slnx")))
    {
        dir = dir.Parent;
    }
    return dir?.FullName ?? throw new InvalidOperationException("Run from inside the repository (Cairn.slnx not found).");
}

int Option(string name, int fallback) =>
    OptionText(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

string? OptionText(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
