using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Cairn.Bench;

/// <summary>
/// The <c>cairn</c> command line from the outside (issue 14, "Measured"), each step beside a floor in
/// the same run: start-up to <c>--help</c> beside a .NET program that does nothing (this benchmark's
/// own <c>--noop</c>); <c>cairn models list</c> over a large store (first output and exit) beside
/// <c>curl</c> sending the same <c>models.get_all</c>; <c>cairn models upload</c> and <c>download</c>
/// of a large file beside <c>curl -F</c> and <c>curl -o</c> on the same server. The CLI runs as a
/// user's would, with stdout and stderr piped (so no progress bar) and its own HOME.
/// </summary>
internal sealed class CliBenchmark(BenchOptions options, TextWriter progress)
{
    private const int Rounds = 3;
    private const double HelpTargetMs = 150;
    private const double ListTargetMs = 300;
    private const double TransferRatioTarget = 1.2;
    private const string Project = "bench-cli";
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        foreach (var binary in new[] { options.ServerBinary, options.CliBinary })
        {
            if (!File.Exists(binary))
            {
                throw new FileNotFoundException($"No binary at {binary}; bench/run.sh --cli builds the server and publishes the CLI.");
            }
        }
        var scratch = Directory.CreateTempSubdirectory("cairn-cli-bench-");
        try
        {
            var report = new StringBuilder();
            report.AppendLine(Invariant($"`cairn` at `{options.CliBinary}`; {options.Runs} runs per command step, {Rounds} rounds per transfer (medians). Machine: {ProcStats.CpuModel()}, {Environment.ProcessorCount} cores, load {ProcStats.LoadAverage()} at the start.")).AppendLine();

            // Start-up first, before the store and the server take memory and CPU.
            var environment = new Dictionary<string, string> { ["HOME"] = Path.Combine(scratch.FullName, "home") };
            Directory.CreateDirectory(environment["HOME"]);
            await progress.WriteLineAsync($"start-up: {options.Runs} runs each of `cairn --help` and of a .NET program that returns at once").ConfigureAwait(false);
            var noop = Environment.ProcessPath ?? throw new InvalidOperationException("The benchmark's own path is unknown.");
            var floorStart = new List<double>();
            var help = new List<double>();
            // One untimed run of each first: the binaries' pages come into the page cache.
            await RunAsync(noop, ["--noop"], environment, cancellationToken).ConfigureAwait(false);
            var helpText = (await RunAsync(options.CliBinary, ["--help"], environment, cancellationToken).ConfigureAwait(false)).Stdout;
            if (!helpText.Contains("models", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("`cairn --help` did not print the commands:\n" + helpText);
            }
            for (var i = 0; i < options.Runs; i++)
            {
                floorStart.Add((await RunAsync(noop, ["--noop"], environment, cancellationToken).ConfigureAwait(false)).Exit.TotalMilliseconds);
                help.Add((await RunAsync(options.CliBinary, ["--help"], environment, cancellationToken).ConfigureAwait(false)).Exit.TotalMilliseconds);
            }

            var dataDir = Path.Combine(scratch.FullName, "data");
            Directory.CreateDirectory(dataDir);
            var databasePath = Path.Combine(dataDir, "cairn.db");
            await progress.WriteLineAsync($"filling {databasePath} with {options.ModelCount} models (seed {options.Seed})").ConfigureAwait(false);
            await ModelCorpus.CreateAsync(databasePath, options.ModelCount, options.Seed, cancellationToken).ConfigureAwait(false);
            SqliteConnection.ClearAllPools();

            await using var server = ServerProcess.Start(options.ServerBinary, dataDir, Benchmark.SeedArgs);
            await server.WaitUntilReadyAsync(StartLimit, cancellationToken).ConfigureAwait(false);
            environment["CLEARML_API_HOST"] = server.ApiBase.AbsoluteUri.TrimEnd('/');
            environment["CLEARML_FILES_HOST"] = server.FilesBase.AbsoluteUri.TrimEnd('/');
            environment["CLEARML_API_ACCESS_KEY"] = Benchmark.AccessKey;
            environment["CLEARML_API_SECRET_KEY"] = Benchmark.SecretKey;
            environment["CLEARML_CACHE_DIR"] = Path.Combine(scratch.FullName, "cache");
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false }, disposeHandler: true);
            var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Benchmark.AccessKey}:{Benchmark.SecretKey}"));
            var token = (await Benchmark.CallAsync(client, server.ApiBase, "auth.login", basic, null, cancellationToken).ConfigureAwait(false))
                .GetProperty("token").GetString()!;

            // The list: the CLI's default first page (100 rows, archived left out, newest first).
            await progress.WriteLineAsync($"list: {options.Runs} runs each of `cairn models list` and of curl sending its models.get_all").ConfigureAwait(false);
            const string listBody = """{"system_tags":["-archived"],"order_by":["-created","-id"],"only_fields":["id","name","project","framework","tags","system_tags","ready","created","last_update","uri","task","comment","user"],"page":0,"page_size":100}""";
            var listBodyFile = Path.Combine(scratch.FullName, "list.json");
            await File.WriteAllTextAsync(listBodyFile, listBody, cancellationToken).ConfigureAwait(false);
            string[] curlList =
            [
                "--silent", "--show-error", "--fail", "--output", "/dev/null", "--header", $"Authorization: Bearer {token}",
                "--header", "Content-Type: application/json", "--data-binary", "@" + listBodyFile, new Uri(server.ApiBase, "models.get_all").AbsoluteUri,
            ];
            var listFirst = new List<double>();
            var listExit = new List<double>();
            var listFloor = new List<double>();
            // Untimed: the page as JSON, to count its rows.
            var page = await RunAsync(options.CliBinary, ["models", "list", "--json"], environment, cancellationToken).ConfigureAwait(false);
            var rows = JsonDocument.Parse(page.Stdout).RootElement.GetArrayLength();
            await RunAsync("curl", curlList, environment, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < options.Runs; i++)
            {
                var run = await RunAsync(options.CliBinary, ["models", "list"], environment, cancellationToken).ConfigureAwait(false);
                listFirst.Add(run.FirstOutput.TotalMilliseconds);
                listExit.Add(run.Exit.TotalMilliseconds);
                listFloor.Add((await RunAsync("curl", curlList, environment, cancellationToken).ConfigureAwait(false)).Exit.TotalMilliseconds);
            }

            // Transfers: the same random file, curl and cairn on the same server, alternating.
            var bytes = (long)options.FileMiB << 20;
            var source = Path.Combine(scratch.FullName, "model.bin");
            await progress.WriteLineAsync($"writing {options.FileMiB} MiB of random bytes to {source}").ConfigureAwait(false);
            await WriteRandomFileAsync(source, bytes, cancellationToken).ConfigureAwait(false);
            var curlObject = $"{Project}/curl.{Guid.NewGuid():N}/models/model.bin";
            var curlUrl = new Uri(server.FilesBase, curlObject).AbsoluteUri;
            var curlTarget = Path.Combine(scratch.FullName, "curl-download.bin");
            var cliTarget = Path.Combine(scratch.FullName, "cli-download.bin");
            var curlUp = new List<double>();
            var cliUp = new List<double>();
            var curlDown = new List<double>();
            var cliDown = new List<double>();
            for (var round = 1; round <= Rounds; round++)
            {
                await progress.WriteLineAsync($"transfers: round {round}/{Rounds}").ConfigureAwait(false);
                if (round > 1)
                {
                    // The previous round's stored copy goes first (untimed), as in the files benchmark.
                    await RunAsync("curl", ["--silent", "--output", "/dev/null", "--request", "DELETE", "--header", $"Authorization: Bearer {token}", curlUrl],
                        environment, cancellationToken).ConfigureAwait(false);
                }
                await SyncAsync(environment, cancellationToken).ConfigureAwait(false);
                curlUp.Add((await RunAsync("curl",
                [
                    "--silent", "--show-error", "--fail", "--output", "/dev/null", "--header", $"Authorization: Bearer {token}",
                    // The SDK's shape: one part whose name and filename are the path with a leading '/'.
                    "--form", $"/{curlObject}=@{source};filename=/{curlObject};type=application/octet-stream", server.FilesBase.AbsoluteUri,
                ], environment, cancellationToken).ConfigureAwait(false)).Exit.TotalSeconds);

                await SyncAsync(environment, cancellationToken).ConfigureAwait(false);
                var upload = await RunAsync(options.CliBinary, ["models", "upload", source, "--project", Project, "--json"], environment, cancellationToken).ConfigureAwait(false);
                cliUp.Add(upload.Exit.TotalSeconds);
                var modelId = JsonDocument.Parse(upload.Stdout).RootElement.GetProperty("id").GetString()!;

                File.Delete(curlTarget);
                await SyncAsync(environment, cancellationToken).ConfigureAwait(false);
                curlDown.Add((await RunAsync("curl",
                    ["--silent", "--show-error", "--fail", "--header", $"Authorization: Bearer {token}", "--output", curlTarget, curlUrl],
                    environment, cancellationToken).ConfigureAwait(false)).Exit.TotalSeconds);
                File.Delete(curlTarget);

                File.Delete(cliTarget);
                await SyncAsync(environment, cancellationToken).ConfigureAwait(false);
                cliDown.Add((await RunAsync(options.CliBinary, ["models", "download", modelId, "-o", cliTarget], environment, cancellationToken).ConfigureAwait(false)).Exit.TotalSeconds);
                if (new FileInfo(cliTarget).Length != bytes)
                {
                    throw new InvalidOperationException($"cairn's download has {new FileInfo(cliTarget).Length} bytes, expected {bytes}.");
                }
                File.Delete(cliTarget);
                // The model and its stored file go (untimed), so the disk holds one copy per client.
                await RunAsync(options.CliBinary, ["models", "rm", modelId, "--force"], environment, cancellationToken).ConfigureAwait(false);
            }
            var errorLogs = server.ErrorLogEntries;
            await server.StopAsync().ConfigureAwait(false);

            var mib = (double)options.FileMiB;
            report.AppendLine("| step | cairn | floor | cairn / floor | target |");
            report.AppendLine("|---|---|---|---|---|");
            report.AppendLine(Invariant($"| start-up: `cairn --help` (exit) vs a .NET program that returns at once | {Median(help):0} ms (min {help.Min():0}) | {Median(floorStart):0} ms | {Median(help) / Median(floorStart):0.0} | < {HelpTargetMs} ms {Mark(Median(help) < HelpTargetMs)} |"));
            report.AppendLine(Invariant($"| `cairn models list`, {rows} rows of {options.ModelCount:N0} models: first output | {Median(listFirst):0} ms | {Median(listFloor):0} ms (curl, same models.get_all) | {Median(listFirst) / Median(listFloor):0.0} | < {ListTargetMs} ms {Mark(Median(listFirst) < ListTargetMs)} |"));
            report.AppendLine(Invariant($"| `cairn models list`: exit | {Median(listExit):0} ms | | | |"));
            report.AppendLine(Invariant($"| upload: `cairn models upload` vs `curl -F` | {Median(cliUp):0.00} s ({mib / Median(cliUp):0} MiB/s) | {Median(curlUp):0.00} s | {Median(cliUp) / Median(curlUp):0.00} | ≤ {TransferRatioTarget} {Mark(Median(cliUp) / Median(curlUp) <= TransferRatioTarget)} |"));
            report.AppendLine(Invariant($"| download: `cairn models download` (SHA-256 checked) vs `curl -o` | {Median(cliDown):0.00} s ({mib / Median(cliDown):0} MiB/s) | {Median(curlDown):0.00} s | {Median(cliDown) / Median(curlDown):0.00} | ≤ {TransferRatioTarget} {Mark(Median(cliDown) / Median(curlDown) <= TransferRatioTarget)} |"));
            report.AppendLine();
            report.AppendLine(Invariant($"{options.FileMiB} MiB of random bytes. All rounds: cairn upload {Join(cliUp)} s, curl upload {Join(curlUp)} s; cairn download {Join(cliDown)} s, curl download {Join(curlDown)} s. The list and the transfers include the CLI's start-up and its auth.login. Load average {ProcStats.LoadAverage()} at the end."));
            if (errorLogs > 0)
            {
                report.AppendLine().AppendLine(Invariant($"Note: the server wrote {errorLogs} error-level log entries during the run."));
            }
            return report.ToString();
        }
        finally
        {
            ServerProcess.KillAll();
            SqliteConnection.ClearAllPools();
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

    private sealed record Run(TimeSpan Exit, TimeSpan FirstOutput, string Stdout);

    /// <summary>Runs a program with piped output; times its exit and its first byte on stdout from just before the start.</summary>
    private static async Task<Run> RunAsync(string program, string[] arguments, Dictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        // The machine's CLEARML_* settings would point the CLI elsewhere.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("CLEARML_", StringComparison.Ordinal) || k.StartsWith("TRAINS_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start.");
        process.StandardInput.Close();
        var first = TimeSpan.Zero;
        var stdout = Task.Run(async () =>
        {
            var buffer = new byte[64 * 1024];
            using var text = new MemoryStream();
            int read;
            while ((read = await process.StandardOutput.BaseStream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (text.Length == 0)
                {
                    first = Stopwatch.GetElapsedTime(started);
                }
                text.Write(buffer, 0, read);
            }
            return Encoding.UTF8.GetString(text.ToArray());
        }, cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var exit = Stopwatch.GetElapsedTime(started);
        var output = await stdout.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}: {await errors.ConfigureAwait(false)}");
        }
        return new Run(exit, first, output);
    }

    /// <summary>Every timed transfer starts with no dirty pages from the one before (untimed).</summary>
    private static Task SyncAsync(Dictionary<string, string> environment, CancellationToken cancellationToken) =>
        RunAsync("sync", [], environment, cancellationToken);

    private static async Task WriteRandomFileAsync(string path, long bytes, CancellationToken cancellationToken)
    {
        var buffer = new byte[4 * 1024 * 1024];
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, useAsync: true);
        for (long written = 0; written < bytes; written += buffer.Length)
        {
            var chunk = (int)Math.Min(buffer.Length, bytes - written);
            RandomNumberGenerator.Fill(buffer.AsSpan(0, chunk));
            await file.WriteAsync(buffer.AsMemory(0, chunk), cancellationToken).ConfigureAwait(false);
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Join(List<double> values) => string.Join(", ", values.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)));

    private static string Mark(bool met) => met ? "✓" : "✗";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
