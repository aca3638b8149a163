using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Cairn.Bench;

/// <summary>The whole run: cold starts, memory, then throughput against a <c>debug.ping</c> floor.</summary>
internal sealed class Benchmark(BenchOptions options, TextWriter progress)
{
    internal const string AccessKey = "BENCHKEY0001";
    internal const string SecretKey = "bench-secret-0123456789";
    // Issue 16's targets: first 200 under 500 ms on a quiet machine, idle RSS under 80 MB.
    private const double StartTargetMs = 500;
    private const double IdleRssTargetMiB = 80_000_000 / 1048576.0;
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(30);

    /// <summary>One user with one key pair, as a team deployment configures them.</summary>
    internal static readonly string[] SeedArgs =
    [
        "--Cairn:Users:0:Username=bench",
        "--Cairn:Users:0:Password=benchpassword",
        $"--Cairn:Credentials:0:AccessKey={AccessKey}",
        $"--Cairn:Credentials:0:SecretKey={SecretKey}",
        "--Cairn:Credentials:0:User=bench",
    ];

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(options.ServerBinary))
        {
            throw new FileNotFoundException(
                $"No server binary at {options.ServerBinary}; build it with `dotnet build -c Release src/Cairn.Server` or pass its path.");
        }
        var scratch = Directory.CreateTempSubdirectory("cairn-bench-");
        try
        {
            var report = new StringBuilder();
            var wrk = options.UseWrk ? Wrk.Find() : null;
            var wrkVersion = wrk is null ? null : await Wrk.VersionAsync(wrk, cancellationToken).ConfigureAwait(false);
            WriteMachine(report, wrkVersion);
            var starts = await MeasureStartsAsync(scratch.FullName, cancellationToken).ConfigureAwait(false);
            var load = await MeasureLoadAsync(scratch.FullName, wrk, cancellationToken).ConfigureAwait(false);
            WriteStarts(report, starts);
            WriteMemory(report, load.Memory);
            WriteLoad(report, load.Results, wrk is null
                ? options.UseWrk ? "wrk is not installed (e.g. `apt-get install -y wrk`), so only the C# client ran." : "wrk skipped (--no-wrk)."
                : null);
            WriteTargets(report, starts, load.Memory);
            return report.ToString();
        }
        finally
        {
            ServerProcess.KillAll();
            try
            {
                scratch.Delete(recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await progress.WriteLineAsync($"warning: could not delete {scratch.FullName}: {e.Message}").ConfigureAwait(false);
            }
        }
    }

    private async Task<StartResults> MeasureStartsAsync(string scratch, CancellationToken cancellationToken)
    {
        // Unmeasured: pulls the binaries into the page cache so every measured start sees the same disk state.
        await StartOnceAsync(Path.Combine(scratch, "warm-up"), [], cancellationToken).ConfigureAwait(false);
        var results = new StartResults([], [], []);
        for (var i = 0; i < options.Starts; i++)
        {
            // Interleaved, so drift on the machine affects the three kinds alike.
            var dataDir = Path.Combine(scratch, $"start-{i}");
            results.First.Add(await StartOnceAsync(dataDir, [], cancellationToken).ConfigureAwait(false));
            if (!File.Exists(Path.Combine(dataDir, "clearml.conf")))
            {
                throw new InvalidOperationException($"The first start on {dataDir} wrote no clearml.conf; it did not bootstrap the admin user.");
            }
            results.Restart.Add(await StartOnceAsync(dataDir, [], cancellationToken).ConfigureAwait(false));
            results.SeededRestart.Add(await StartOnceAsync(dataDir, SeedArgs, cancellationToken).ConfigureAwait(false));
            await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"start {i + 1}/{options.Starts}: first {Ms(results.First[^1])}, restart {Ms(results.Restart[^1])}, seeded restart {Ms(results.SeededRestart[^1])} ms"))
                .ConfigureAwait(false);
        }
        return results;
    }

    private async Task<TimeSpan> StartOnceAsync(string dataDir, string[] args, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dataDir);
        await using var server = ServerProcess.Start(options.ServerBinary, dataDir, args);
        var ready = await server.WaitUntilReadyAsync(StartLimit, cancellationToken).ConfigureAwait(false);
        await server.StopAsync().ConfigureAwait(false);
        return ready;
    }

    private async Task<(MemoryResults Memory, List<LoadResult> Results)> MeasureLoadAsync(string scratch, string? wrk, CancellationToken cancellationToken)
    {
        var dataDir = Path.Combine(scratch, "load");
        Directory.CreateDirectory(dataDir);
        await using var server = ServerProcess.Start(options.ServerBinary, dataDir, SeedArgs);
        await server.WaitUntilReadyAsync(StartLimit, cancellationToken).ConfigureAwait(false);
        await progress.WriteLineAsync($"load server pid {server.Pid} on {server.ApiBase}; idle for {options.Idle.TotalSeconds:0} s").ConfigureAwait(false);
        await Task.Delay(options.Idle, cancellationToken).ConfigureAwait(false);
        var idle = ProcStats.Memory(server.Pid);

        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AccessKey}:{SecretKey}"));
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false }, disposeHandler: true);
        var token = (await CallAsync(client, server.ApiBase, "auth.login", basic, null, cancellationToken).ConfigureAwait(false))
            .GetProperty("token").GetString()!;
        var bearer = "Bearer " + token;
        for (var i = 0; i < options.Projects; i++)
        {
            await CallAsync(client, server.ApiBase, "projects.create", bearer,
                $$"""{"name":"bench-{{i:000}}","description":"benchmark project"}""", cancellationToken).ConfigureAwait(false);
        }
        var query = $$"""{"name":"^bench","page_size":{{options.Projects}}}""";
        var found = (await CallAsync(client, server.ApiBase, "projects.get_all", bearer, query, cancellationToken).ConfigureAwait(false))
            .GetProperty("projects").GetArrayLength();
        if (found != options.Projects)
        {
            throw new InvalidOperationException($"projects.get_all returned {found} projects, expected {options.Projects}.");
        }

        LoadTarget[] targets =
        [
            new("debug.ping", HttpMethod.Get, null, null),
            new("auth.login", HttpMethod.Get, basic, null),
            new("projects.get_all", HttpMethod.Post, bearer, query),
        ];
        var results = new List<LoadResult>();
        foreach (var target in targets)
        {
            await progress.WriteLineAsync($"C# client: {target.Endpoint}, {options.Workers} workers x {options.Duration.TotalSeconds:0} s").ConfigureAwait(false);
            results.Add(await CountErrorLogsAsync(server, LoadGenerator.RunAsync(
                server.ApiBase, target, options.Workers, options.Warmup, options.Duration, server.Pid, cancellationToken), cancellationToken).ConfigureAwait(false));
        }
        if (wrk is not null)
        {
            foreach (var target in targets)
            {
                await progress.WriteLineAsync($"wrk: {target.Endpoint}").ConfigureAwait(false);
                results.Add(await CountErrorLogsAsync(server, Wrk.RunAsync(
                    wrk, server.ApiBase, target, options.Workers, WrkThreads, options.Duration, server.Pid, scratch, cancellationToken), cancellationToken).ConfigureAwait(false));
            }
        }

        var afterLoad = ProcStats.Memory(server.Pid);
        await Task.Delay(options.Idle, cancellationToken).ConfigureAwait(false);
        var settled = ProcStats.Memory(server.Pid);
        await server.StopAsync().ConfigureAwait(false);
        return (new MemoryResults(idle, afterLoad, settled), results);
    }

    private static async Task<LoadResult> CountErrorLogsAsync(ServerProcess server, Task<LoadResult> run, CancellationToken cancellationToken)
    {
        var before = server.ErrorLogEntries;
        var result = await run.ConfigureAwait(false);
        // The console logger writes from a background queue; give it time to catch up.
        await Task.Delay(500, cancellationToken).ConfigureAwait(false);
        return result with { ServerErrorLogEntries = server.ErrorLogEntries - before };
    }

    // wrk needs far less CPU than the server it drives; one thread per two cores leaves the rest to the server.
    private static int WrkThreads => Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Calls the API once and returns <c>data</c>; anything but HTTP 200 is a failed run.</summary>
    internal static async Task<JsonElement> CallAsync(
        HttpClient client, Uri apiBase, string endpoint, string authorization, string? body, CancellationToken cancellationToken)
    {
        var request = new LoadTarget(endpoint, body is null ? HttpMethod.Get : HttpMethod.Post, authorization, body)
            .NewRequest(apiBase, body is null ? null : Encoding.UTF8.GetBytes(body));
        using (request)
        {
            using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"{endpoint} answered {(int)response.StatusCode}: {text}");
            }
            using var document = JsonDocument.Parse(text);
            return document.RootElement.GetProperty("data").Clone();
        }
    }

    private void WriteMachine(StringBuilder report, string? wrkVersion)
    {
        report.AppendLine("# Cairn server benchmark").AppendLine();
        report.AppendLine(Invariant($"- date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        report.AppendLine(Invariant($"- machine: {ProcStats.CpuModel()}, {Environment.ProcessorCount} cores, {ProcStats.TotalMemoryGiB():0.0} GiB RAM, {RuntimeInformation.OSDescription}; 1-min load average at start {ProcStats.LoadAverage()}"));
        report.AppendLine(Invariant($"- runtime: {RuntimeInformation.FrameworkDescription}; server binary: `{options.ServerBinary}`"));
        report.AppendLine(Invariant($"- load: {options.Workers} concurrent workers (connections), {options.Warmup.TotalSeconds:0} s warm-up + {options.Duration.TotalSeconds:0} s measured per endpoint; client and server share the machine"));
        report.AppendLine($"- wrk: {wrkVersion ?? "not used"}");
        report.AppendLine();
    }

    private void WriteStarts(StringBuilder report, StartResults starts)
    {
        report.AppendLine(Invariant($"## Cold start: process start to first HTTP 200 from debug.ping (n = {options.Starts})")).AppendLine();
        report.AppendLine("| scenario | median ms | min ms | max ms |");
        report.AppendLine("|---|---:|---:|---:|");
        foreach (var (name, values) in starts.Rows)
        {
            report.AppendLine(Invariant($"| {name} | {Ms(Median(values))} | {Ms(values.Min())} | {Ms(values.Max())} |"));
        }
        report.AppendLine();
    }

    private void WriteMemory(StringBuilder report, MemoryResults memory)
    {
        report.AppendLine("## Memory of the server process (from /proc/<pid>/status)").AppendLine();
        report.AppendLine("| when | VmRSS MiB | VmHWM (peak) MiB |");
        report.AppendLine("|---|---:|---:|");
        report.AppendLine(Invariant($"| idle, {options.Idle.TotalSeconds:0} s after the first 200 | {memory.Idle.RssMiB:0.0} | {memory.Idle.PeakMiB:0.0} |"));
        report.AppendLine(Invariant($"| right after the load tests | {memory.AfterLoad.RssMiB:0.0} | {memory.AfterLoad.PeakMiB:0.0} |"));
        report.AppendLine(Invariant($"| {options.Idle.TotalSeconds:0} s later | {memory.Settled.RssMiB:0.0} | {memory.Settled.PeakMiB:0.0} |"));
        report.AppendLine();
    }

    private void WriteLoad(StringBuilder report, List<LoadResult> results, string? wrkNote)
    {
        report.AppendLine("## Throughput and latency (floor: debug.ping, no auth, no database)").AppendLine();
        report.AppendLine(Invariant($"`projects.get_all` is a POST with `{{\"name\":\"^bench\",\"page_size\":{options.Projects}}}` and a Bearer token, over {options.Projects} projects; ") +
            "`auth.login` uses Basic auth with an API key pair. Ratios compare with debug.ping from the same client in the same run. " +
            "Server CPU per request is the server's user+system time (/proc/<pid>/stat, 10 ms ticks) over the measured window divided by the requests. " +
            "Errors are non-200 answers and failed requests; server error logs are `fail:`/`crit:` entries the server wrote during the run.");
        report.AppendLine();
        report.AppendLine("| endpoint | client | req/s | × floor req/s | p50 ms | × floor p50 | p99 ms | errors | server CPU µs/req | server error logs |");
        report.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        // Grouped by endpoint (stable order), so wrk's figures sit beside the C# client's.
        var endpoints = results.Select(r => r.Endpoint).Distinct().ToList();
        foreach (var result in results.OrderBy(r => endpoints.IndexOf(r.Endpoint)))
        {
            var floor = results.First(r => r.Client == result.Client && r.Endpoint == "debug.ping");
            var name = result.Endpoint == "debug.ping" ? "debug.ping (floor)" : result.Endpoint;
            var cpu = result.ServerCpuPerRequest is { } c ? Invariant($"{c.TotalMicroseconds:0}") : "n/a";
            report.AppendLine(Invariant(
                $"| {name} | {result.Client} | {result.RequestsPerSecond:0} | {result.RequestsPerSecond / floor.RequestsPerSecond:0.00} | ") + Invariant(
                $"{result.P50.TotalMilliseconds:0.00} | {result.P50 / floor.P50:0.00} | {result.P99.TotalMilliseconds:0.00} | {result.Errors} | {cpu} | {result.ServerErrorLogEntries} |"));
        }
        if (wrkNote is not null)
        {
            report.AppendLine().AppendLine($"Note: {wrkNote}");
        }
        report.AppendLine();
    }

    private static void WriteTargets(StringBuilder report, StartResults starts, MemoryResults memory)
    {
        report.AppendLine("## Targets").AppendLine();
        var medians = starts.Rows.Select(r => (r.Name, Median: Median(r.Values))).ToList();
        var slowest = medians.MaxBy(m => m.Median);
        var allMax = starts.Rows.SelectMany(r => r.Values).Max();
        var startMet = slowest.Median.TotalMilliseconds <= StartTargetMs;
        report.AppendLine(Invariant(
            $"- first 200 within {StartTargetMs:0} ms of process start: **{(startMet ? "met" : "NOT met")}** — slowest median {Ms(slowest.Median)} ms ({slowest.Name}); ") + Invariant(
            $"slowest single start {Ms(allMax)} ms{(allMax.TotalMilliseconds > StartTargetMs ? " (over the target)" : "")}."));
        var rssMet = memory.Idle.RssMiB < IdleRssTargetMiB;
        report.AppendLine(Invariant(
            $"- idle RSS under 80 MB: **{(rssMet ? "met" : "NOT met")}** — {memory.Idle.RssMiB:0.0} MiB idle ({memory.Idle.RssMiB * 1.048576:0.0} MB); ") + Invariant(
            $"{memory.AfterLoad.RssMiB:0.0} MiB right after the load tests."));
    }

    private static TimeSpan Median(List<TimeSpan> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Ms(TimeSpan value) => value.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record StartResults(List<TimeSpan> First, List<TimeSpan> Restart, List<TimeSpan> SeededRestart)
    {
        public IEnumerable<(string Name, List<TimeSpan> Values)> Rows =>
        [
            ("first start (empty data dir: create schema, admin user, clearml.conf)", First),
            ("restart (existing data dir)", Restart),
            ("restart with 1 configured user + key pair (Cairn:Users / Cairn:Credentials)", SeededRestart),
        ];
    }

    private sealed record MemoryResults((double RssMiB, double PeakMiB) Idle, (double RssMiB, double PeakMiB) AfterLoad, (double RssMiB, double PeakMiB) Settled);
}
