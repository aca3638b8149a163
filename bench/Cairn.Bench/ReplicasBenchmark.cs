using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using Npgsql;

namespace Cairn.Bench;

/// <summary>
/// One and then two server processes on one PostgreSQL database (a fresh one each), under the same
/// mixed workload sent round-robin over the replicas, request by request: models.create with tags,
/// a metadata update of one model every worker shares, a filtered models.get_all, and an
/// events.add_batch of scalars to the worker's own model. Throughput and latency per configuration,
/// then a check that nothing acknowledged was lost (models, the shared model's metadata keys, the
/// scalar points).
/// </summary>
internal sealed class ReplicasBenchmark(BenchOptions options, TextWriter progress)
{
    private const int PointsPerBatch = 100;
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    private sealed record Run(int Replicas, long Requests, long Errors, TimeSpan Elapsed, double P50Ms, double P99Ms,
        Dictionary<string, (long Count, double P50, double P99)> ByCall, long Lost, string LostDetail);

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var admin = options.Postgres ?? throw new ArgumentException("--replicas needs --postgres CONNECTION_STRING (a role that may create databases)");
        if (!File.Exists(options.ServerBinary))
        {
            throw new FileNotFoundException($"No server binary at {options.ServerBinary}; build it with `dotnet build -c Release src/Cairn.Server`.");
        }
        var runs = new List<Run>();
        foreach (var replicas in new[] { 1, 2 })
        {
            runs.Add(await RunOnceAsync(admin, replicas, cancellationToken).ConfigureAwait(false));
        }
        var report = new StringBuilder();
        report.AppendLine("# Replicas on one PostgreSQL database").AppendLine();
        report.AppendLine(Invariant($"- date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; machine: {ProcStats.CpuModel()}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}; 1-min load average at the end {ProcStats.LoadAverage()}; PostgreSQL, the replicas and the load generator share it"));
        report.AppendLine(Invariant($"- load: {options.Workers} concurrent workers, {options.Warmup.TotalSeconds:0} s warm-up + {options.Duration.TotalSeconds:0} s measured per configuration; each worker repeats models.create (2 tags) → models.add_or_update_metadata on the one shared model → models.get_all (tag filter, page of 50) → events.add_batch ({PointsPerBatch} scalars to its own model); request n goes to replica n mod N"));
        report.AppendLine();
        report.AppendLine("| replicas | requests | req/s | p50 ms | p99 ms | errors | lost |");
        report.AppendLine("|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var run in runs)
        {
            report.AppendLine(Invariant($"| {run.Replicas} | {run.Requests} | {run.Requests / run.Elapsed.TotalSeconds:0} | {run.P50Ms:0.0} | {run.P99Ms:0.0} | {run.Errors} | {run.Lost} |"));
        }
        report.AppendLine();
        report.AppendLine("| replicas | call | requests | p50 ms | p99 ms |");
        report.AppendLine("|---:|---|---:|---:|---:|");
        foreach (var run in runs)
        {
            foreach (var (call, stats) in run.ByCall.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                report.AppendLine(Invariant($"| {run.Replicas} | {call} | {stats.Count} | {stats.P50:0.0} | {stats.P99:0.0} |"));
            }
        }
        report.AppendLine();
        foreach (var (what, (count, first)) in _failures.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            report.AppendLine($"- refused: {what} × {count} (run total, warm-up included; first: `{first.ReplaceLineEndings(" ")}`)");
        }
        report.AppendLine();
        foreach (var run in runs.Where(r => r.Lost > 0))
        {
            report.AppendLine($"LOST with {run.Replicas} replicas: {run.LostDetail}").AppendLine();
        }
        return report.ToString();
    }

    private async Task<Run> RunOnceAsync(string admin, int replicaCount, CancellationToken cancellationToken)
    {
        var database = $"cairn_bench_{Guid.NewGuid():N}";
        await ExecuteAsync(admin, $"CREATE DATABASE {database} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'", cancellationToken).ConfigureAwait(false);
        var scratch = Directory.CreateTempSubdirectory("cairn-replicas-bench-");
        var servers = new List<ServerProcess>();
        try
        {
            var connection = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString;
            string[] args =
            [
                .. Benchmark.SeedArgs, "--Cairn:Database:Provider=postgres", $"--Cairn:Database:ConnectionString={connection}",
                "--Cairn:JwtSigningKey=bench-replicas-signing-key-0123456789abcdefghijklmnopqrstuvwxyz", "--Logging:LogLevel:Default=Warning",
            ];
            for (var i = 0; i < replicaCount; i++)
            {
                var dataDir = Directory.CreateDirectory(Path.Combine(scratch.FullName, $"replica{i}")).FullName;
                var server = ServerProcess.Start(options.ServerBinary, dataDir, args);
                servers.Add(server);
                await server.WaitUntilReadyAsync(StartLimit, cancellationToken).ConfigureAwait(false);
            }
            await progress.WriteLineAsync($"{replicaCount} replica(s) up on {database}; {options.Warmup.TotalSeconds:0} s warm-up, {options.Duration.TotalSeconds:0} s measured").ConfigureAwait(false);
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false, MaxConnectionsPerServer = options.Workers }, disposeHandler: true);
            var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Benchmark.AccessKey}:{Benchmark.SecretKey}"));
            var token = "Bearer " + (await Benchmark.CallAsync(client, servers[0].ApiBase, "auth.login", basic, null, cancellationToken).ConfigureAwait(false)).GetProperty("token").GetString();
            var shared = (await Benchmark.CallAsync(client, servers[0].ApiBase, "models.create", token, """{"name":"shared","uri":"s3://b/shared.bin"}""", cancellationToken).ConfigureAwait(false)).GetProperty("id").GetString()!;
            var owned = new string[options.Workers];
            for (var w = 0; w < owned.Length; w++)
            {
                owned[w] = (await Benchmark.CallAsync(client, servers[0].ApiBase, "models.create", token, $$"""{"name":"worker {{w}}","uri":"s3://b/w{{w}}.bin","ready":false}""", cancellationToken).ConfigureAwait(false)).GetProperty("id").GetString()!;
            }

            var next = -1L;
            var measuring = false;
            var stop = false;
            var latencies = new List<(string Call, long Ticks)>[options.Workers];
            var created = new long[options.Workers];
            var metadataKeys = new Dictionary<string, int>[options.Workers];
            var points = new long[options.Workers];
            var errors = 0L;
            async Task WorkerAsync(int w)
            {
                latencies[w] = new List<(string, long)>(16_384);
                metadataKeys[w] = new Dictionary<string, int>(StringComparer.Ordinal);
                var iteration = 0L;
                for (var round = 0; !Volatile.Read(ref stop); round++)
                {
                    // Each worker's metadata keys are its own (ten, rewritten in turn), so every acknowledged one must be there.
                    var key = $"w{w}k{round % 10}";
                    var calls = new (string Endpoint, string Body, Action Acknowledged)[]
                    {
                        ("models.create", $$"""{"name":"bench w{{w}} r{{round}}","uri":"s3://b/w{{w}}r{{round}}.bin","tags":["t{{round % 10}}","w{{w}}"]}""", () => created[w]++),
                        ("models.add_or_update_metadata", $$"""{"model":"{{shared}}","metadata":[{"key":"{{key}}","value":"{{round}}","type":"int"}]}""", () => metadataKeys[w][key] = round),
                        ("models.get_all", $$"""{"tags":["t{{round % 10}}"],"page":0,"page_size":50,"order_by":["-created"],"only_fields":["id","name"]}""", () => { }),
                        ("events.add_batch", Scalars(owned[w], iteration), () => points[w] += PointsPerBatch),
                    };
                    iteration += PointsPerBatch;
                    foreach (var (endpoint, body, acknowledged) in calls)
                    {
                        var server = servers[(int)((ulong)Interlocked.Increment(ref next) % (ulong)servers.Count)];
                        var started = Stopwatch.GetTimestamp();
                        var ok = await PostAsync(client, server.ApiBase, endpoint, token, body, endpoint == "events.add_batch", cancellationToken).ConfigureAwait(false);
                        var elapsed = Stopwatch.GetTimestamp() - started;
                        if (ok)
                        {
                            acknowledged();
                        }
                        if (Volatile.Read(ref measuring))
                        {
                            if (ok)
                            {
                                latencies[w].Add((endpoint, elapsed));
                            }
                            else
                            {
                                Interlocked.Increment(ref errors);
                            }
                        }
                    }
                }
            }
            var workers = Enumerable.Range(0, options.Workers).Select(w => Task.Run(() => WorkerAsync(w), cancellationToken)).ToList();
            await Task.Delay(options.Warmup, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref measuring, true);
            var measured = Stopwatch.StartNew();
            await Task.Delay(options.Duration, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref measuring, false);
            measured.Stop();
            Volatile.Write(ref stop, true);
            await Task.WhenAll(workers).ConfigureAwait(false);

            // Nothing acknowledged is lost, whichever replica took it: counted in the database itself.
            var lost = new List<string>();
            var stored = await ScalarAsync(connection, "SELECT count(*) FROM models WHERE name LIKE 'bench %'", cancellationToken).ConfigureAwait(false);
            if (stored < created.Sum())
            {
                lost.Add(Invariant($"{created.Sum() - stored} of {created.Sum()} acknowledged models"));
            }
            var metadata = (await Benchmark.CallAsync(client, servers[^1].ApiBase, "models.get_by_id", token, $$"""{"model":"{{shared}}"}""", cancellationToken).ConfigureAwait(false))
                .GetProperty("model").GetProperty("metadata");
            // Each key holds the last value its worker wrote (a worker writes its own keys one at a time).
            var missingKeys = metadataKeys.SelectMany(k => k).Count(k => !metadata.TryGetProperty(k.Key, out var item)
                || item.GetProperty("value").GetString() != k.Value.ToString(CultureInfo.InvariantCulture));
            if (missingKeys > 0)
            {
                lost.Add(Invariant($"{missingKeys} of {metadataKeys.Sum(k => k.Count)} metadata keys of the shared model do not hold their last acknowledged value"));
            }
            var storedPoints = await ScalarAsync(connection,
                "SELECT count(*) FROM scalar_events s JOIN event_series e ON e.id = s.series WHERE e.model_event AND e.metric = 'loss'", cancellationToken).ConfigureAwait(false);
            if (storedPoints < points.Sum())
            {
                lost.Add(Invariant($"{points.Sum() - storedPoints} of {points.Sum()} acknowledged scalar points"));
            }

            var all = latencies.SelectMany(l => l).ToList();
            var byCall = all.GroupBy(l => l.Call).ToDictionary(g => g.Key, g =>
            {
                var sorted = g.Select(x => x.Ticks).Order().ToArray();
                return ((long)sorted.Length, Ms(LoadGenerator.Percentile(sorted, 0.50)), Ms(LoadGenerator.Percentile(sorted, 0.99)));
            });
            var ticks = all.Select(l => l.Ticks).Order().ToArray();
            var run = new Run(replicaCount, ticks.Length, Interlocked.Read(ref errors), measured.Elapsed,
                Ms(LoadGenerator.Percentile(ticks, 0.50)), Ms(LoadGenerator.Percentile(ticks, 0.99)), byCall,
                lost.Count, string.Join("; ", lost));
            await progress.WriteLineAsync(Invariant($"{replicaCount} replica(s): {run.Requests / run.Elapsed.TotalSeconds:0} req/s, p99 {run.P99Ms:0.0} ms, {run.Errors} errors, lost: {(lost.Count == 0 ? "nothing" : run.LostDetail)}")).ConfigureAwait(false);
            return run;
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)", CancellationToken.None).ConfigureAwait(false);
            scratch.Delete(recursive: true);
        }
    }

    /// <summary>The scalar points of one events.add_batch (json-lines), iterations from <paramref name="first"/>.</summary>
    private static string Scalars(string model, long first)
    {
        var body = new StringBuilder();
        for (var i = 0; i < PointsPerBatch; i++)
        {
            body.Append(CultureInfo.InvariantCulture,
                $$"""{"type":"training_stats_scalar","task":"{{model}}","model_event":true,"timestamp":1700000000000,"iter":{{first + i}},"metric":"loss","variant":"train","value":{{1.0 / (first + i + 1)}}}""").Append('\n');
        }
        return body.ToString();
    }

    /// <summary>Refusals by call and status, with the first answer of each, for the report.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (int Count, string First)> _failures = new(StringComparer.Ordinal);

    private async Task<bool> PostAsync(HttpClient client, Uri apiBase, string endpoint, string authorization, string body, bool jsonLines, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(apiBase, endpoint))
        {
            Content = new StringContent(body, Encoding.UTF8, jsonLines ? "application/json-lines" : "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        try
        {
            using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var answer = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return true;
            }
            Fail($"{endpoint} {(int)response.StatusCode}", answer);
            return false;
        }
        catch (HttpRequestException e)
        {
            Fail($"{endpoint} no answer", e.Message);
            return false;
        }
    }

    private void Fail(string what, string first)
    {
        _failures.AddOrUpdate(what, (1, first.Length > 300 ? first[..300] : first), (_, f) => (f.Count + 1, f.First));
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
