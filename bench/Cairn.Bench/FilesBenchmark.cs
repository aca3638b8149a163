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
    // Issue 16: RSS back within 10 MB of idle within 30 s of the last transfer.
    private const double SettleTargetMiB = 10_000_000 / 1048576.0;
    private static readonly TimeSpan SettleWindow = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan IdleWait = TimeSpan.FromSeconds(5);
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

            // Idle as the default benchmark reads it: a few seconds after the server first answered.
            await Task.Delay(IdleWait, cancellationToken).ConfigureAwait(false);
            var idleMiB = ProcStats.Memory(server.Pid).RssMiB;

            await using var floor = new CurlFloorServer(source);
            var uploadArgs = (Uri target) => new[]
            {
                "--silent", "--show-error", "--fail", "--output", "/dev/null", "--dump-header", headers,
                "--header", $"Authorization: Bearer {token}",
                // The SDK's shape: one part whose name and filename are the path with a leading '/'.
                "--form", $"/{ObjectPath}=@{source};filename=/{ObjectPath};type=application/octet-stream",
                target.ToString(),
            };
            var downloadArgs = (Uri target) => new[]
            {
                "--silent", "--show-error", "--fail", "--output", download,
                "--header", $"Authorization: Bearer {token}",
                target.AbsoluteUri,
            };

            var cp = new Transfers();
            var uploadFloor = new Transfers();
            var upload = new Transfers();
            var downloadFloor = new Transfers();
            var downloadThrough = new Transfers();
            for (var round = 1; round <= Rounds; round++)
            {
                await progress.WriteLineAsync($"round {round}/{Rounds}: cp, curl floors, upload, download").ConfigureAwait(false);
                File.Delete(copy);
                cp.Times.Add(await TimeAsync("cp", [source, copy], cancellationToken).ConfigureAwait(false));

                uploadFloor.Times.Add(await TimeAsync("curl", uploadArgs(floor.BaseUri), cancellationToken).ConfigureAwait(false));
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
                await MeasureAsync(upload, server.Pid, uploadArgs(server.FilesBase), cancellationToken).ConfigureAwait(false);
                var returned = File.ReadLines(headers).FirstOrDefault(l => l.StartsWith("X-Cairn-Sha256:", StringComparison.OrdinalIgnoreCase))?.Split(':', 2)[1].Trim();
                if (returned != sourceSha)
                {
                    throw new InvalidOperationException($"The upload answered SHA-256 {returned ?? "(none)"}, expected {sourceSha}.");
                }

                File.Delete(download);
                downloadFloor.Times.Add(await TimeAsync("curl", downloadArgs(floor.BaseUri), cancellationToken).ConfigureAwait(false));
                File.Delete(download);
                await MeasureAsync(downloadThrough, server.Pid, downloadArgs(url), cancellationToken).ConfigureAwait(false);
                if (new FileInfo(download).Length != bytes)
                {
                    throw new InvalidOperationException($"The download has {new FileInfo(download).Length} bytes, expected {bytes}.");
                }
            }
            var settle = await SettleAsync(server.Pid, idleMiB, cancellationToken).ConfigureAwait(false);
            var downloadedSha = await HashFileAsync(download, cancellationToken).ConfigureAwait(false);
            if (downloadedSha != sourceSha)
            {
                throw new InvalidOperationException($"The downloaded file's SHA-256 is {downloadedSha}, expected {sourceSha}.");
            }
            await server.StopAsync().ConfigureAwait(false);
            return Report(bytes, cp, uploadFloor, upload, downloadFloor, downloadThrough, settle, server.ErrorLogEntries);
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

    /// <summary>VmRSS idle, right after the last transfer, and each second for <see cref="SettleWindow"/>; when it first came within the target of idle.</summary>
    private static async Task<Settling> SettleAsync(int pid, double idleMiB, CancellationToken cancellationToken)
    {
        var after = ProcStats.Memory(pid).RssMiB;
        var started = Stopwatch.GetTimestamp();
        TimeSpan? within = after - idleMiB <= SettleTargetMiB ? TimeSpan.Zero : null;
        double last;
        do
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            last = ProcStats.Memory(pid).RssMiB;
            if (within is null && last - idleMiB <= SettleTargetMiB)
            {
                within = Stopwatch.GetElapsedTime(started);
            }
        }
        while (Stopwatch.GetElapsedTime(started) < SettleWindow);
        return new Settling(idleMiB, after, last, within);
    }

    private sealed record Settling(double IdleMiB, double AfterMiB, double At30sMiB, TimeSpan? Within);

    private string Report(long bytes, Transfers cp, Transfers uploadFloor, Transfers upload, Transfers downloadFloor, Transfers download, Settling settle, int errorLogs)
    {
        var mib = bytes / 1048576.0;
        var gib = bytes / 1073741824.0;
        var floorCp = cp.Median;
        var report = new StringBuilder();
        report.AppendLine("## File server").AppendLine();
        report.AppendLine(Invariant($"{mib:0} MiB of random bytes, median of {Rounds} rounds; `cp` of the same file on the same disk is the floor, and `curl` against a trivial server (body received and dropped; GET answered with sendfile) is the floor of any HTTP server. Page cache warm for all (the source was just written). Server CPU is user + system time from /proc/<pid>/stat, per GiB. Machine: {ProcStats.CpuModel()}, {Environment.ProcessorCount} cores, {ProcStats.TotalMemoryGiB():0} GiB RAM, load {ProcStats.LoadAverage()}.")).AppendLine();
        report.AppendLine("| transfer | median | MiB/s | × cp | × curl floor | target (× cp) | server CPU per GiB | server peak RSS (VmHWM) | target |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        report.AppendLine(Invariant($"| `cp` (floor) | {floorCp.TotalSeconds:0.00} s | {mib / floorCp.TotalSeconds:0} | 1.00 | | | | | |"));
        report.AppendLine(Invariant($"| `curl -F` to a sink (upload floor) | {uploadFloor.Median.TotalSeconds:0.00} s | {mib / uploadFloor.Median.TotalSeconds:0} | {uploadFloor.Median / floorCp:0.00} | 1.00 | | | | |"));
        report.AppendLine(Invariant($"| upload (`curl -F`, multipart, SHA-256 on the fly) | {upload.Median.TotalSeconds:0.00} s | {mib / upload.Median.TotalSeconds:0} | {upload.Median / floorCp:0.00} | {upload.Median / uploadFloor.Median:0.00} | ≤ {UploadRatioTarget} {Mark(upload.Median / floorCp <= UploadRatioTarget)} | {upload.MedianCpu.TotalSeconds / gib:0.00} s | {upload.PeakMiB:0} MiB | < {PeakRssTargetMiB} MiB {Mark(upload.PeakMiB < PeakRssTargetMiB)} |"));
        report.AppendLine(Invariant($"| `curl -o` from sendfile (download floor) | {downloadFloor.Median.TotalSeconds:0.00} s | {mib / downloadFloor.Median.TotalSeconds:0} | {downloadFloor.Median / floorCp:0.00} | 1.00 | | | | |"));
        report.AppendLine(Invariant($"| download (`curl -o`) | {download.Median.TotalSeconds:0.00} s | {mib / download.Median.TotalSeconds:0} | {download.Median / floorCp:0.00} | {download.Median / downloadFloor.Median:0.00} | ≤ {DownloadRatioTarget} {Mark(download.Median / floorCp <= DownloadRatioTarget)} | {download.MedianCpu.TotalSeconds / gib:0.00} s | {download.PeakMiB:0} MiB | |"));
        report.AppendLine();
        report.AppendLine(Invariant($"Every round (s): cp {cp}; upload floor {uploadFloor}; upload {upload}; download floor {downloadFloor}; download {download}.")).AppendLine();
        var met = settle.Within is { } w && w <= SettleWindow;
        report.AppendLine(Invariant($"Server VmRSS: idle {settle.IdleMiB:0.0} MiB ({IdleWait.TotalSeconds:0} s after the first 200); right after the last download {settle.AfterMiB:0.0} MiB; {SettleWindow.TotalSeconds:0} s later {settle.At30sMiB:0.0} MiB (+{settle.At30sMiB - settle.IdleMiB:0.0} MiB). Back within 10 MB ({SettleTargetMiB:0.0} MiB) of idle within {SettleWindow.TotalSeconds:0} s: {(met ? $"✓ after {settle.Within!.Value.TotalSeconds:0} s" : "✗")}.")).AppendLine();
        if (errorLogs > 0)
        {
            report.AppendLine(Invariant($"Note: the server wrote {errorLogs} error-level log entries during the run.")).AppendLine();
        }
        return report.ToString();
    }

    /// <summary>Times one transfer through the server, with the server's CPU time and peak RSS during it.</summary>
    private static async Task MeasureAsync(Transfers transfers, int serverPid, string[] curlArguments, CancellationToken cancellationToken)
    {
        ResetPeak(serverPid);
        var cpuBefore = ProcStats.CpuTime(serverPid);
        transfers.Times.Add(await TimeAsync("curl", curlArguments, cancellationToken).ConfigureAwait(false));
        transfers.Cpu.Add(ProcStats.CpuTime(serverPid) - cpuBefore);
        transfers.PeakMiB = Math.Max(transfers.PeakMiB, ProcStats.Memory(serverPid).PeakMiB);
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
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>The rounds of one kind of transfer: wall times, server CPU times and the highest peak RSS.</summary>
    private sealed class Transfers
    {
        public List<TimeSpan> Times { get; } = [];

        public List<TimeSpan> Cpu { get; } = [];

        public double PeakMiB { get; set; }

        public TimeSpan Median => FilesBenchmark.Median(Times);

        public TimeSpan MedianCpu => FilesBenchmark.Median(Cpu);

        public override string ToString() => string.Join(" / ", Times.Select(t => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
