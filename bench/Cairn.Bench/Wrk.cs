using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Cairn.Bench;

/// <summary>Runs wrk (when installed) against the same targets, as a second, lighter-weight client.</summary>
internal static partial class Wrk
{
    [GeneratedRegex(@"Requests/sec:\s*(?<value>[\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"(?<count>\d+) requests in (?<time>[\d.]+)(?<unit>us|ms|s|m)\b")]
    private static partial Regex Totals();

    [GeneratedRegex(@"^\s*(?<pct>50|99)%\s+(?<value>[\d.]+)(?<unit>us|ms|s|m)\s*$", RegexOptions.Multiline)]
    private static partial Regex Percentile();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s*(?<value>\d+)")]
    private static partial Regex Non2xx();

    [GeneratedRegex(@"Socket errors: connect (?<c>\d+), read (?<r>\d+), write (?<w>\d+), timeout (?<t>\d+)")]
    private static partial Regex SocketErrors();

    /// <summary>The wrk executable on PATH, or null.</summary>
    public static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "wrk"))
            .FirstOrDefault(File.Exists);

    public static async Task<string> VersionAsync(string wrk, CancellationToken cancellationToken)
    {
        // `wrk -v` prints its version and exits non-zero, which is fine here.
        var (output, _) = await RunProcessAsync(wrk, ["-v"], TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "wrk";
    }

    public static async Task<LoadResult> RunAsync(
        string wrk, Uri apiBase, LoadTarget target, int connections, int threads, TimeSpan duration, int serverPid, string scratchDir,
        CancellationToken cancellationToken)
    {
        var script = Path.Combine(scratchDir, $"wrk-{target.Endpoint}.lua");
        await File.WriteAllTextAsync(script, LuaScript(target), cancellationToken).ConfigureAwait(false);
        var seconds = (int)Math.Ceiling(duration.TotalSeconds);
        var cpuBefore = ProcStats.CpuTime(serverPid);
        var (output, exitCode) = await RunProcessAsync(wrk,
            [
                $"-t{threads}", $"-c{connections}", $"-d{seconds}s", "--latency", "--timeout", "10s", "-s", script,
                new Uri(apiBase, target.Endpoint).ToString(),
            ],
            duration + TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        var cpu = ProcStats.CpuTime(serverPid) - cpuBefore;

        var totals = Totals().Match(output);
        if (exitCode != 0 || !totals.Success || !RequestsPerSecond().IsMatch(output))
        {
            throw new InvalidOperationException($"wrk failed (exit code {exitCode}):\n{output}");
        }
        var requests = long.Parse(totals.Groups["count"].Value, CultureInfo.InvariantCulture);
        var elapsed = ToTime(totals.Groups["time"].Value, totals.Groups["unit"].Value);
        var percentiles = Percentile().Matches(output).ToDictionary(m => m.Groups["pct"].Value, m => ToTime(m.Groups["value"].Value, m.Groups["unit"].Value));
        var errors = Non2xx().Match(output) is { Success: true } non2xx ? long.Parse(non2xx.Groups["value"].Value, CultureInfo.InvariantCulture) : 0;
        if (SocketErrors().Match(output) is { Success: true } socket)
        {
            errors += new[] { "c", "r", "w", "t" }.Sum(g => long.Parse(socket.Groups[g].Value, CultureInfo.InvariantCulture));
        }
        return new LoadResult(target.Endpoint, $"wrk -t{threads}", requests, errors, elapsed,
            percentiles.GetValueOrDefault("50"), percentiles.GetValueOrDefault("99"),
            requests == 0 ? null : cpu / requests);
    }

    private static string LuaScript(LoadTarget target)
    {
        // Long brackets need no escaping as long as the text holds no "]==]".
        var lines = new List<string> { $"wrk.method = \"{target.Method.Method}\"" };
        if (target.Authorization is not null)
        {
            lines.Add($"wrk.headers[\"Authorization\"] = [==[{target.Authorization}]==]");
        }
        if (target.JsonBody is not null)
        {
            lines.Add("wrk.headers[\"Content-Type\"] = \"application/json\"");
            lines.Add($"wrk.body = [==[{target.JsonBody}]==]");
        }
        return string.Join('\n', lines) + "\n";
    }

    private static TimeSpan ToTime(string value, string unit)
    {
        var number = double.Parse(value, CultureInfo.InvariantCulture);
        return unit switch
        {
            "us" => TimeSpan.FromMicroseconds(number),
            "ms" => TimeSpan.FromMilliseconds(number),
            "s" => TimeSpan.FromSeconds(number),
            _ => TimeSpan.FromMinutes(number),
        };
    }

    private static async Task<(string Output, int ExitCode)> RunProcessAsync(
        string file, IEnumerable<string> args, TimeSpan limit, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(file, args)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            return (await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false), process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
