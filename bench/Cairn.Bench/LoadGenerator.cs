using System.Diagnostics;
using System.Net.Http.Headers;

namespace Cairn.Bench;

/// <summary>One API call to hammer: method, endpoint, optional Authorization header and JSON body.</summary>
internal sealed record LoadTarget(string Endpoint, HttpMethod Method, string? Authorization, string? JsonBody)
{
    public HttpRequestMessage NewRequest(Uri apiBase, byte[]? body)
    {
        var request = new HttpRequestMessage(Method, new Uri(apiBase, Endpoint));
        if (Authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", Authorization);
        }
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
        }
        return request;
    }
}

/// <summary>Throughput and latency of one load run; <see cref="ServerCpuPerRequest"/> is null when unknown.</summary>
internal sealed record LoadResult(
    string Endpoint, string Client, long Requests, long Errors, TimeSpan Elapsed, TimeSpan P50, TimeSpan P99, TimeSpan? ServerCpuPerRequest)
{
    public double RequestsPerSecond => Requests / Elapsed.TotalSeconds;

    /// <summary>Error-level log entries the server wrote during the run (warm-up included).</summary>
    public int ServerErrorLogEntries { get; init; }
}

/// <summary>
/// A closed-loop load generator: N workers, each sending its next request as soon as the previous
/// answer is read, for a fixed time. Every loop is bounded by the clock, never by a request count.
/// </summary>
internal static class LoadGenerator
{
    public static async Task<LoadResult> RunAsync(
        Uri apiBase, LoadTarget target, int workers, TimeSpan warmup, TimeSpan duration, int serverPid, CancellationToken cancellationToken)
    {
        using var client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = workers,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            // auth.login sets a cookie on every answer; a cookie container would only add work.
            UseCookies = false,
            UseProxy = false,
        }, disposeHandler: true)
        {
            // A hung request can stretch a run by at most this much.
            Timeout = TimeSpan.FromSeconds(10),
        };
        var body = target.JsonBody is null ? null : System.Text.Encoding.UTF8.GetBytes(target.JsonBody);

        // Warm-up: opens the connections and lets tiered JIT settle before anything is counted.
        await RunWorkersAsync(client, apiBase, target, body, workers, warmup, cancellationToken).ConfigureAwait(false);

        var cpuBefore = ProcStats.CpuTime(serverPid);
        var started = Stopwatch.GetTimestamp();
        var perWorker = await RunWorkersAsync(client, apiBase, target, body, workers, duration, cancellationToken).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var cpu = ProcStats.CpuTime(serverPid) - cpuBefore;

        var latencies = perWorker.SelectMany(w => w.Latencies).ToArray();
        Array.Sort(latencies);
        var errors = perWorker.Sum(w => w.Errors);
        var requests = latencies.LongLength;
        return new LoadResult(target.Endpoint, "C# HttpClient", requests, errors, elapsed,
            Stopwatch.GetElapsedTime(0, Percentile(latencies, 0.50)),
            Stopwatch.GetElapsedTime(0, Percentile(latencies, 0.99)),
            requests == 0 ? null : cpu / requests);
    }

    /// <summary>Nearest-rank percentile of sorted Stopwatch tick counts.</summary>
    public static long Percentile(long[] sorted, double fraction) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static async Task<WorkerResult[]> RunWorkersAsync(
        HttpClient client, Uri apiBase, LoadTarget target, byte[]? body, int workers, TimeSpan duration, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var tasks = Enumerable.Range(0, workers)
            .Select(_ => Task.Run(() => WorkerAsync(client, apiBase, target, body, start, duration, cancellationToken), cancellationToken))
            .ToArray();
        return await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private static async Task<WorkerResult> WorkerAsync(
        HttpClient client, Uri apiBase, LoadTarget target, byte[]? body, long start, TimeSpan duration, CancellationToken cancellationToken)
    {
        var result = new WorkerResult();
        while (Stopwatch.GetElapsedTime(start) < duration)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var sent = Stopwatch.GetTimestamp();
            try
            {
                using var request = target.NewRequest(apiBase, body);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                // The whole answer is read: a client that stops at the headers measures less than a real one.
                await response.Content.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    result.Errors++;
                }
                result.Latencies.Add(Stopwatch.GetTimestamp() - sent);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                result.Errors++;
                // A dead server fails instantly; don't spin on it for the rest of the run.
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            }
        }
        return result;
    }

    private sealed class WorkerResult
    {
        public List<long> Latencies { get; } = new(16_384);

        public long Errors { get; set; }
    }
}
