using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Cairn.Bench;

/// <summary>
/// The file server with a large file: <c>curl</c> uploads (multipart, as the SDK sends them) and
/// downloads against <c>cp</c> of the same file on the same disk, and the server's peak resident
/// memory during each (VmHWM, reset through /proc/&lt;pid&gt;/clear_refs before every transfer).
/// </summary>
internal sealed class FilesBenchmark(BenchOptions options, TextWriter progress)
{
    private const int Rounds = 3;
    private const double UploadRatioTarget = 2.5;
    private const double DownloadRatioTarget = 1.5;
    private const double PeakRssTargetMiB = 200;
    private const string ObjectPath = "Bench project/upload task.0123456789abcdef0123456789abcdef/models/model.bin";
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(30);

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(options.ServerBinary))
        {
            throw new FileNotFoundException(
                $"No server binary at {options.ServerBinary}; build it with `dotnet build -c Release src/Cairn.Server` or pass its path.");
        }
        var scratch = Directory.CreateTempSubdirectory("cairn-files-bench-");
        try
        {
            var dataDir = Path.Combine(scratch.FullName, "data");
            Directory.CreateDirectory(dataDir);
            var source = Path.Combine(scratch.FullName, "source.bin");
            var bytes = (long)options.FileMiB * 1024 * 1024;
            await progress.WriteLineAsync($"writing {options.FileMiB} MiB of random bytes to {source}").ConfigureAwait(false);
            var sourceSha = await WriteRandomFileAsync(source, bytes, cancellationToken).ConfigureAwait(false);

            await using var server = ServerProcess.Start(options.ServerBinary, dataDir, Benchmark.SeedArgs);
            await server.WaitUntilReadyAsync(StartLimit, cancellationToken).ConfigureAwait(false);
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false }, disposeHandler: true);
            var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Benchmark.AccessKey}:{Benchmark.SecretKey}"));
            var token = (await Benchmark.CallAsync(client, server.ApiBase, "auth.login", basic, null, cancellationToken).ConfigureAwait(false))
                .GetProperty("token").GetString()!;
            var url = new Uri(server.FilesBase, string.Join('/', ObjectPath.Split('/').Select(Uri.EscapeDataString)));
            var copy = Path.Combine(scratch.FullName, "copy.bin");
            var download = Path.Combine(scratch.FullName, "download.bin");
            var headers = Path.Combine(scratch.FullName, "headers.txt");

            var cpTimes = new List<TimeSpan>();
            var uploadTimes = new List<TimeSpan>();
            var downloadTimes = new List<TimeSpan>();
            double uploadPeak = 0, downloadPeak = 0;
            for (var round = 1; round <= Rounds; round++)
            {
                await progress.WriteLineAsync($"round {round}/{Rounds}: cp, upload, download").ConfigureAwait(false);
                File.Delete(copy);
                cpTimes.Add(await TimeAsync("cp", [source, copy], cancellationToken).ConfigureAwait(false));

                // Like cp's target, the stored copy from the previous round goes first (untimed), so
                // the upload, too, writes into freed page cache rather than fresh memory; on this VM
                // fresh pages cost seconds per GiB and that would be measured instead of the server.
                if (round > 1)
                {
                    await TimeAsync("curl",
                    [
                        "--silent", "--show-error", "--fail", "--output", "/dev/null", "--request", "DELETE",
                        "--header", $"Authorization: Bearer {token}", url.AbsoluteUri,
                    ], cancellationToken).ConfigureAwait(false);
                }
                ResetPeak(server.Pid);
                uploadTimes.Add(await TimeAsync("curl",
                [
                    "--silent", "--show-error", "--fail", "--output", "/dev/null", "--dump-header", headers,
                    "--header", $"Authorization: Bearer {token}",
                    // The SDK's shape: one part whose name and filename are the path with a leading '/'.
                    "--form", $"/{ObjectPath}=@{source};filename=/{ObjectPath};type=application/octet-stream",
                    server.FilesBase.ToString(),
                ], cancellationToken).ConfigureAwait(false));
                uploadPeak = Math.Max(uploadPeak, ProcStats.Memory(server.Pid).PeakMiB);
                var returned = File.ReadLines(headers).FirstOrDefault(l => l.StartsWith("X-Cairn-Sha256:", StringComparison.OrdinalIgnoreCase))?.Split(':', 2)[1].Trim();
                if (returned != sourceSha)
                {
                    throw new InvalidOperationException($"The upload answered SHA-256 {returned ?? "(none)"}, expected {sourceSha}.");
                }

                File.Delete(download);
                ResetPeak(server.Pid);
                downloadTimes.Add(await TimeAsync("curl",
                [
                    "--silent", "--show-error", "--fail", "--output", download,
                    "--header", $"Authorization: Bearer {token}",
                    url.AbsoluteUri,
                ], cancellationToken).ConfigureAwait(false));
                downloadPeak = Math.Max(downloadPeak, ProcStats.Memory(server.Pid).PeakMiB);
                if (new FileInfo(download).Length != bytes)
                {
                    throw new InvalidOperationException($"The download has {new FileInfo(download).Length} bytes, expected {bytes}.");
                }
            }
            var downloadedSha = await HashFileAsync(download, cancellationToken).ConfigureAwait(false);
            if (downloadedSha != sourceSha)
            {
                throw new InvalidOperationException($"The downloaded file's SHA-256 is {downloadedSha}, expected {sourceSha}.");
            }
            await server.StopAsync().ConfigureAwait(false);
            return Report(bytes, Median(cpTimes), Median(uploadTimes), Median(downloadTimes), uploadPeak, downloadPeak, server.ErrorLogEntries);
        }
        finally
        {
            try
            {
                scratch.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A server killed mid-write may still hold a file; the temp directory is left behind.
            }
        }
    }

    private string Report(long bytes, TimeSpan cp, TimeSpan upload, TimeSpan download, double uploadPeak, double downloadPeak, int errorLogs)
    {
        var mib = bytes / 1048576.0;
        var report = new StringBuilder();
        report.AppendLine("## File server").AppendLine();
        report.AppendLine(Invariant($"{mib:0} MiB of random bytes, median of {Rounds} rounds; `cp` of the same file on the same disk is the floor. Page cache warm for all three (the source was just written). Machine: {ProcStats.CpuModel()}, {Environment.ProcessorCount} cores, {ProcStats.TotalMemoryGiB():0} GiB RAM, load {ProcStats.LoadAverage()}.")).AppendLine();
        report.AppendLine("| transfer | median | MiB/s | × cp | target | server peak RSS (VmHWM) | target |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        report.AppendLine(Invariant($"| `cp` (floor) | {cp.TotalSeconds:0.00} s | {mib / cp.TotalSeconds:0} | 1.00 | | | |"));
        report.AppendLine(Invariant($"| upload (`curl -F`, multipart, SHA-256 on the fly) | {upload.TotalSeconds:0.00} s | {mib / upload.TotalSeconds:0} | {upload / cp:0.00} | ≤ {UploadRatioTarget} {Mark(upload / cp <= UploadRatioTarget)} | {uploadPeak:0} MiB | < {PeakRssTargetMiB} MiB {Mark(uploadPeak < PeakRssTargetMiB)} |"));
        report.AppendLine(Invariant($"| download (`curl -o`) | {download.TotalSeconds:0.00} s | {mib / download.TotalSeconds:0} | {download / cp:0.00} | ≤ {DownloadRatioTarget} {Mark(download / cp <= DownloadRatioTarget)} | {downloadPeak:0} MiB | < {PeakRssTargetMiB} MiB {Mark(downloadPeak < PeakRssTargetMiB)} |"));
        report.AppendLine();
        if (errorLogs > 0)
        {
            report.AppendLine(Invariant($"Note: the server wrote {errorLogs} error-level log entries during the run.")).AppendLine();
        }
        return report.ToString();
    }

    private static string Mark(bool met) => met ? "✓" : "✗";

    /// <summary>Starts the peak-RSS count afresh (Linux ≥ 4.0), so each transfer reports its own peak.</summary>
    private static void ResetPeak(int pid) => File.WriteAllText($"/proc/{pid}/clear_refs", "5");

    private static async Task<TimeSpan> TimeAsync(string program, string[] arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start.");
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed with exit code {process.ExitCode}: {await errors.ConfigureAwait(false)}");
        }
        return elapsed;
    }

    private static async Task<string> WriteRandomFileAsync(string path, long bytes, CancellationToken cancellationToken)
    {
        var buffer = new byte[4 * 1024 * 1024];
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, useAsync: true);
        for (long written = 0; written < bytes; written += buffer.Length)
        {
            var chunk = (int)Math.Min(buffer.Length, bytes - written);
            RandomNumberGenerator.Fill(buffer.AsSpan(0, chunk));
            hash.AppendData(buffer, 0, chunk);
            await file.WriteAsync(buffer.AsMemory(0, chunk), cancellationToken).ConfigureAwait(false);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static async Task<string> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1024 * 1024, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
    }

    private static TimeSpan Median(List<TimeSpan> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
