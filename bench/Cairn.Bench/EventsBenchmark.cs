using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Cairn.Bench;

/// <summary>
/// Events at scale: <c>events.add_batch</c> throughput with 10,000 scalar events per batch, then
/// <c>events.scalar_metrics_iter_histogram</c> latency over the model those batches filled, each
/// beside hand-written SQL on the same database file. With <c>--postgres CONNSTRING</c> the server
/// runs on a fresh PostgreSQL database made with that role, and the floors are PostgreSQL's:
/// a binary COPY of the same points, and the histogram's GROUP BY on that database.
/// </summary>
internal sealed class EventsBenchmark(BenchOptions options, TextWriter progress)
{
    private const int BatchSize = 10_000;
    private const int Variants = 4;
    private const int WarmupRounds = 10;
    private const double IngestTarget = 100_000;
    private const double HistogramTargetMs = 200;
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(options.ServerBinary))
        {
            throw new FileNotFoundException(
                $"No server binary at {options.ServerBinary}; build it with `dotnet build -c Release src/Cairn.Server` or pass its path.");
        }
        var points = options.EventCount;
        var batches = Math.Max(1, points / BatchSize);
        var scratch = Directory.CreateTempSubdirectory("cairn-events-bench-");
        var postgres = options.Postgres is { } admin
            ? await PostgresFloors.CreateDatabaseAsync(admin, "events", cancellationToken).ConfigureAwait(false)
            : ((string Name, string ConnectionString)?)null;
        try
        {
            var dataDir = Path.Combine(scratch.FullName, "data");
            Directory.CreateDirectory(dataDir);
            var databasePath = Path.Combine(dataDir, "cairn.db");
            string[] serverArgs = postgres is { } pg
                ? [.. Benchmark.SeedArgs, "--Cairn:Database:Provider=postgres", $"--Cairn:Database:ConnectionString={pg.ConnectionString}"]
                : Benchmark.SeedArgs;
            await using var server = ServerProcess.Start(options.ServerBinary, dataDir, serverArgs);
            await server.WaitUntilReadyAsync(StartLimit, cancellationToken).ConfigureAwait(false);
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false }, disposeHandler: true)
            {
                Timeout = TimeSpan.FromMinutes(5),
            };
            var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Benchmark.AccessKey}:{Benchmark.SecretKey}"));
            var token = (await Benchmark.CallAsync(client, server.ApiBase, "auth.login", basic, null, cancellationToken).ConfigureAwait(false))
                .GetProperty("token").GetString()!;
            var bearer = "Bearer " + token;
            var model = (await Benchmark.CallAsync(client, server.ApiBase, "models.create", bearer,
                """{"name": "events bench model", "uri": "s3://bench/model.bin", "ready": false}""", cancellationToken).ConfigureAwait(false))
                .GetProperty("id").GetString()!;

            // Ingestion: the batches that fill the model, each timed from send to last byte of the answer.
            await progress.WriteLineAsync($"add_batch: {batches} batches of {BatchSize} scalar events ({Variants} variants) into model {model}").ConfigureAwait(false);
            var batchTicks = new List<long>();
            var bodyBytes = 0L;
            // The server's CPU time per event is reported beside the rate: on a shared machine the
            // rate follows the load, the CPU spent per event much less so.
            var cpuBefore = ProcStats.CpuTime(server.Pid);
            for (var b = 0; b < batches; b++)
            {
                var body = Batch(model, b);
                bodyBytes += body.Length;
                var started = Stopwatch.GetTimestamp();
                await PostAsync(client, server.ApiBase, "v2.23/events.add_batch", bearer, body, "application/json-lines", cancellationToken).ConfigureAwait(false);
                batchTicks.Add(Stopwatch.GetTimestamp() - started);
                if ((b + 1) % 20 == 0)
                {
                    await progress.WriteLineAsync($"  {b + 1}/{batches}").ConfigureAwait(false);
                }
            }
            var cpuPerEvent = (ProcStats.CpuTime(server.Pid) - cpuBefore).TotalMicroseconds / ((double)batches * BatchSize);
            var loadAfterIngest = ProcStats.LoadAverage();
            var ingestSeconds = Stopwatch.GetElapsedTime(0, batchTicks.Sum()).TotalSeconds;
            var ingestRate = (double)batches * BatchSize / ingestSeconds;
            var batchP50 = Stopwatch.GetElapsedTime(0, LoadGenerator.Percentile(batchTicks.Order().ToArray(), 0.5));

            // Histogram latency over the filled model, against the plain GROUP BY a person would write.
            await using var floor = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            await using var pgFloor = postgres is { } target ? new NpgsqlConnection(new NpgsqlConnectionStringBuilder(target.ConnectionString) { Pooling = false }.ConnectionString) : null;
            if (pgFloor is null)
            {
                await floor.OpenAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await pgFloor.OpenAsync(cancellationToken).ConfigureAwait(false);
            }
            var histogramBody = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { task = model, model_events = true, samples = 2000 }));
            var httpTicks = new List<long>();
            var sqlTicks = new List<long>();
            var returned = 0;
            await progress.WriteLineAsync($"histogram: {WarmupRounds} warm-up + {options.Samples} measured rounds").ConfigureAwait(false);
            for (var i = -WarmupRounds; i < options.Samples; i++)
            {
                var started = Stopwatch.GetTimestamp();
                var answer = await PostAsync(client, server.ApiBase, "v2.23/events.scalar_metrics_iter_histogram", bearer, histogramBody, "application/json", cancellationToken).ConfigureAwait(false);
                var http = Stopwatch.GetTimestamp() - started;
                started = Stopwatch.GetTimestamp();
                var rows = pgFloor is null
                    ? await HandHistogramAsync(floor, model, cancellationToken).ConfigureAwait(false)
                    : await HandHistogramAsync(pgFloor, model, cancellationToken).ConfigureAwait(false);
                var sql = Stopwatch.GetTimestamp() - started;
                if (i >= 0)
                {
                    httpTicks.Add(http);
                    sqlTicks.Add(sql);
                }
                else if (i == -WarmupRounds)
                {
                    returned = CountPoints(answer);
                    await progress.WriteLineAsync($"  server returned {returned} points, hand SQL {rows} buckets").ConfigureAwait(false);
                }
            }
            await server.StopAsync().ConfigureAwait(false);
            await floor.CloseAsync().ConfigureAwait(false);

            // The ingestion floor: the same points inserted with one prepared statement per row in
            // one transaction per batch, on the same file once the server has stopped.
            var floorRate = pgFloor is null
                ? await InsertFloorAsync(databasePath, Math.Min(batches, 10), cancellationToken).ConfigureAwait(false)
                : await CopyFloorAsync(pgFloor, Math.Min(batches, 10), cancellationToken).ConfigureAwait(false);
            var databaseMiB = pgFloor is null
                ? new FileInfo(databasePath).Length / 1048576.0
                : await DatabaseSizeAsync(pgFloor, cancellationToken).ConfigureAwait(false) / 1048576.0;
            var provider = pgFloor is null ? "SQLite" : "PostgreSQL (" + pgFloor.PostgreSqlVersion + ")";

            var report = new StringBuilder();
            report.AppendLine(pgFloor is null ? "# Cairn events benchmark" : "# Cairn events benchmark on PostgreSQL").AppendLine();
            report.AppendLine(Invariant($"- date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
            report.AppendLine(Invariant($"- machine: {ProcStats.CpuModel()}, {Environment.ProcessorCount} cores, {ProcStats.TotalMemoryGiB():0.0} GiB RAM, {RuntimeInformation.OSDescription}; 1-min load average at start {ProcStats.LoadAverage()}"));
            report.AppendLine(Invariant($"- runtime: {RuntimeInformation.FrameworkDescription}; server binary: `{options.ServerBinary}`"));
            report.AppendLine(Invariant($"- store: {provider}; one model, {batches * BatchSize} scalar points in {Variants} series; database {databaseMiB:0} MiB after the run"));
            report.AppendLine("- method: one client, one request at a time; json-lines bodies as the SDK sends them (Bearer token, model_event: true)");
            report.AppendLine();
            report.AppendLine("## events.add_batch, 10,000 scalar events per batch").AppendLine();
            report.AppendLine("| path | batches | events/s | batch p50 ms | body MiB per batch | server CPU µs per event |");
            report.AppendLine("|---|---:|---:|---:|---:|---:|");
            report.AppendLine(Invariant($"| HTTP events.add_batch | {batches} | {ingestRate:0} | {batchP50.TotalMilliseconds:0.0} | {bodyBytes / (double)batches / 1048576:0.00} | {cpuPerEvent:0.00} |"));
            var floorName = pgFloor is null ? "hand SQL: prepared INSERT per point, one transaction per 10,000" : "hand SQL: binary COPY of 10,000 points per transaction";
            report.AppendLine(Invariant($"| {floorName} | {Math.Min(batches, 10)} | {floorRate:0} | {BatchSize / floorRate * 1000:0.0} | | |"));
            report.AppendLine();
            report.AppendLine(Invariant($"1-min load average after the batches: {loadAfterIngest}."));
            report.AppendLine();
            report.AppendLine(Invariant($"Target ≥ {IngestTarget:0} events/s: {(ingestRate >= IngestTarget ? "met" : "**NOT met**")} (HTTP ÷ SQL floor: {floorRate / ingestRate:0.0}× slower)."));
            report.AppendLine();
            var httpStats = (P50: Ms(httpTicks, 0.5), P95: Ms(httpTicks, 0.95));
            var sqlStats = (P50: Ms(sqlTicks, 0.5), P95: Ms(sqlTicks, 0.95));
            report.AppendLine(Invariant($"## events.scalar_metrics_iter_histogram over {batches * BatchSize} points (samples 2000, key iter)")).AppendLine();
            report.AppendLine("| path | p50 ms | p95 ms | points |");
            report.AppendLine("|---|---:|---:|---:|");
            report.AppendLine(Invariant($"| HTTP | {httpStats.P50:0.0} | {httpStats.P95:0.0} | {returned} |"));
            report.AppendLine(Invariant($"| hand SQL: GROUP BY iter / interval per series | {sqlStats.P50:0.0} | {sqlStats.P95:0.0} | |"));
            report.AppendLine();
            report.AppendLine(Invariant($"Target < {HistogramTargetMs:0} ms: {(httpStats.P50 < HistogramTargetMs ? "met" : "**NOT met**")} (HTTP ÷ hand SQL, p50: {httpStats.P50 / sqlStats.P50:0.00}×)."));
            report.AppendLine();
            return report.ToString();
        }
        finally
        {
            ServerProcess.KillAll();
            SqliteConnection.ClearAllPools();
            if (postgres is { } created)
            {
                await PostgresFloors.DropDatabaseAsync(options.Postgres!, created.Name).ConfigureAwait(false);
            }
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

    /// <summary>Batch <paramref name="number"/>: the next 2,500 iterations of each of the series, as the SDK writes lines.</summary>
    private static byte[] Batch(string model, int number)
    {
        var body = new StringBuilder(BatchSize * 200);
        var perVariant = BatchSize / Variants;
        for (var i = 0; i < perVariant; i++)
        {
            long iter = ((long)number * perVariant) + i;
            for (var v = 0; v < Variants; v++)
            {
                var value = Math.Sin(iter / 1000.0) + v;
                body.Append(CultureInfo.InvariantCulture,
                    $$"""{"timestamp": {{1_700_000_000_000 + iter}}, "type": "training_stats_scalar", "task": "{{model}}", "iter": {{iter}}, "metric": "loss", "variant": "v{{v}}", "value": {{value.ToString("R", CultureInfo.InvariantCulture)}}, "allow_locked": false, "model_event": true}""")
                    .Append('\n');
            }
        }
        return Encoding.UTF8.GetBytes(body.ToString());
    }

    private static async Task<byte[]> PostAsync(HttpClient client, Uri apiBase, string endpoint, string authorization, byte[] body, string contentType, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(apiBase, endpoint)) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{endpoint} answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(answer)}");
        }
        return answer;
    }

    private static int CountPoints(byte[] answer)
    {
        using var document = JsonDocument.Parse(answer);
        return document.RootElement.GetProperty("data").EnumerateObject()
            .SelectMany(metric => metric.Value.EnumerateObject())
            .Sum(variant => variant.Value.GetProperty("x").GetArrayLength());
    }

    /// <summary>The histogram as one would write it by hand: per series, the interval from its range, then one GROUP BY.</summary>
    private static async Task<int> HandHistogramAsync(SqliteConnection connection, string model, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = """
            WITH s AS (SELECT e.series, MIN(e.iter) AS lo, MAX(e.iter) AS hi, COUNT(*) AS n FROM scalar_events e
                       WHERE e.series IN (SELECT id FROM event_series WHERE model_event = 1 AND entity = $model AND type = 'training_stats_scalar')
                         AND e.iter > -2147483648 GROUP BY e.series)
            SELECT e.series, e.iter / ((s.hi - s.lo + 2000) / 2000) AS bucket, AVG(e.value)
            FROM scalar_events e JOIN s ON e.series = s.series WHERE e.iter > -2147483648 GROUP BY e.series, bucket
            """;
        command.Parameters.AddWithValue("$model", model);
        var rows = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            _ = reader.GetDouble(2);
            rows++;
        }
        return rows;
    }

    private static async Task<long> DatabaseSizeAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_database_size(current_database())", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <summary>The histogram by hand on PostgreSQL: the same statement as on SQLite, in PostgreSQL's words.</summary>
    private static async Task<int> HandHistogramAsync(NpgsqlConnection connection, string model, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            WITH s AS (SELECT e.series, MIN(e.iter) AS lo, MAX(e.iter) AS hi FROM scalar_events e
                       WHERE e.series IN (SELECT id FROM event_series WHERE model_event AND entity = @model AND type = 'training_stats_scalar')
                         AND e.iter > -2147483648 GROUP BY e.series)
            SELECT e.series, e.iter / ((s.hi - s.lo + 2000) / 2000) AS bucket, AVG(e.value)
            FROM scalar_events e JOIN s ON e.series = s.series WHERE e.iter > -2147483648 GROUP BY e.series, bucket
            """, connection);
        command.Parameters.AddWithValue("model", model);
        var rows = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            _ = reader.GetDouble(2);
            rows++;
        }
        return rows;
    }

    /// <summary>Events per second copying points straight into scalar_events (series of their own) with binary COPY, one transaction per batch.</summary>
    private static async Task<double> CopyFloorAsync(NpgsqlConnection connection, int batches, CancellationToken cancellationToken)
    {
        var ticks = 0L;
        for (var b = 0; b < batches; b++)
        {
            var started = Stopwatch.GetTimestamp();
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var copy = await connection.BeginBinaryImportAsync("COPY scalar_events (series, iter, timestamp, value) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
            {
                for (var i = 0; i < BatchSize; i++)
                {
                    long at = ((long)b * BatchSize) + i;
                    await copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
                    await copy.WriteAsync(-1L - (b % Variants), NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                    await copy.WriteAsync(at, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                    await copy.WriteAsync(1_700_000_000_000 + at, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                    await copy.WriteAsync(Math.Sin(at / 1000.0), NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                }
                await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            ticks += Stopwatch.GetTimestamp() - started;
        }
        return batches * (double)BatchSize / Stopwatch.GetElapsedTime(0, ticks).TotalSeconds;
    }

    /// <summary>Events per second inserting points straight into scalar_events (a series of its own) with a prepared statement.</summary>
    private static async Task<double> InsertFloorAsync(string databasePath, int batches, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA synchronous = NORMAL";
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var ticks = 0L;
        for (var b = 0; b < batches; b++)
        {
            var started = Stopwatch.GetTimestamp();
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO scalar_events (series, iter, timestamp, value) VALUES ($series, $iter, $timestamp, $value)";
            var series = insert.Parameters.AddWithValue("$series", -1 - (b % Variants));
            var iter = insert.Parameters.AddWithValue("$iter", 0L);
            var timestamp = insert.Parameters.AddWithValue("$timestamp", 0L);
            var value = insert.Parameters.AddWithValue("$value", 0.0);
            for (var i = 0; i < BatchSize; i++)
            {
                long at = ((long)b * BatchSize) + i;
                iter.Value = at;
                timestamp.Value = 1_700_000_000_000 + at;
                value.Value = Math.Sin(at / 1000.0);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            ticks += Stopwatch.GetTimestamp() - started;
        }
        return batches * (double)BatchSize / Stopwatch.GetElapsedTime(0, ticks).TotalSeconds;
    }

    private static double Ms(List<long> ticks, double percentile) =>
        Stopwatch.GetElapsedTime(0, LoadGenerator.Percentile(ticks.Order().ToArray(), percentile)).TotalMilliseconds;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
