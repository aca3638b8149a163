using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Cairn.Store.Move;
using Microsoft.Data.Sqlite;
using Npgsql;
using static Cairn.Bench.ModelsBenchmark;

namespace Cairn.Bench;

/// <summary>
/// <c>models.get_all</c> on the PostgreSQL provider (<c>--models --postgres CONNSTRING</c>): the same
/// generated store as the SQLite benchmark, filled into SQLite and copied into a fresh PostgreSQL
/// database with the store move's binary COPY, the same requests to a server on that database,
/// and each beside its hand-written PostgreSQL statement (<see cref="PostgresFloors"/>) on the same
/// database in the same run.
/// </summary>
internal sealed class PostgresModelsBenchmark(BenchOptions options, TextWriter progress)
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(options.ServerBinary))
        {
            throw new FileNotFoundException(
                $"No server binary at {options.ServerBinary}; build it with `dotnet build -c Release src/Cairn.Server` or pass its path.");
        }
        var admin = options.Postgres!;
        var scratch = Directory.CreateTempSubdirectory("cairn-models-pg-bench-");
        var (database, connectionString) = await PostgresFloors.CreateDatabaseAsync(admin, "models", cancellationToken).ConfigureAwait(false);
        try
        {
            var dataDir = Directory.CreateDirectory(Path.Combine(scratch.FullName, "data")).FullName;
            var sqlitePath = Path.Combine(scratch.FullName, "source.db");
            await progress.WriteLineAsync($"filling {sqlitePath} with {options.ModelCount} models (seed {options.Seed}), then copying it into {database}").ConfigureAwait(false);
            var fillStarted = Stopwatch.GetTimestamp();
            var corpus = await ModelCorpus.CreateAsync(sqlitePath, options.ModelCount, options.Seed, cancellationToken).ConfigureAwait(false);
            var projectId = await AddRareTagAsync(sqlitePath, cancellationToken).ConfigureAwait(false);
            var sqliteFill = Stopwatch.GetElapsedTime(fillStarted);
            SqliteConnection.ClearAllPools();
            var copyStarted = Stopwatch.GetTimestamp();
            await SqliteToPostgres.MoveAsync(sqlitePath, connectionString, TextWriter.Null, cancellationToken).ConfigureAwait(false);
            var copy = Stopwatch.GetElapsedTime(copyStarted);
            SqliteConnection.ClearAllPools();
            File.Delete(sqlitePath);
            var databaseMiB = await ScalarAsync(connectionString, "SELECT pg_database_size(current_database())", cancellationToken).ConfigureAwait(false) / 1048576.0;
            await progress.WriteLineAsync(Invariant($"filled in {sqliteFill.TotalSeconds:0.0} s, copied in {copy.TotalSeconds:0.0} s, {databaseMiB:0} MiB")).ConfigureAwait(false);

            await using var server = ServerProcess.Start(options.ServerBinary, dataDir,
                [.. Benchmark.SeedArgs, "--Cairn:Database:Provider=postgres", $"--Cairn:Database:ConnectionString={connectionString}"]);
            await server.WaitUntilReadyAsync(StartLimit, cancellationToken).ConfigureAwait(false);
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan }, disposeHandler: true);
            var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Benchmark.AccessKey}:{Benchmark.SecretKey}"));
            var token = (await Benchmark.CallAsync(client, server.ApiBase, "auth.login", basic, null, cancellationToken).ConfigureAwait(false)).GetProperty("token").GetString()!;
            var http = new HttpPoster(client, server.ApiBase, "Bearer " + token);

            await using var floor = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = "cairn-bench-floor" }.ConnectionString);
            await floor.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (var readOnly = new NpgsqlCommand("SET default_transaction_read_only = on", floor))
            {
                await readOnly.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var queries = ModelQuery.All(corpus, projectId);
            var floors = PostgresFloors.For(corpus, projectId);
            await progress.WriteLineAsync($"warm-up: every query {GlobalWarmupRounds} times, round-robin").ConfigureAwait(false);
            for (var i = 0; i < GlobalWarmupRounds; i++)
            {
                foreach (var query in queries)
                {
                    await http.PostAsync(query.Body, cancellationToken, query.Endpoint).ConfigureAwait(false);
                }
                await http.PingAsync(cancellationToken).ConfigureAwait(false);
            }
            var ping = await MeasurePingAsync(http, cancellationToken).ConfigureAwait(false);

            var results = new List<Result>();
            var plans = new List<(string Name, string Plan)>();
            foreach (var query in queries)
            {
                var hand = floors[query.Name];
                await progress.WriteLineAsync($"{query.Name}: {WarmupRounds} warm-up + {options.Samples} measured rounds").ConfigureAwait(false);
                results.Add(await MeasureAsync(http, floor, query, hand, cancellationToken).ConfigureAwait(false));
                if (!query.Name.EndsWith("only_fields", StringComparison.Ordinal))
                {
                    plans.Add((query.Name, await PostgresFloors.ExplainAsync(floor, hand, cancellationToken).ConfigureAwait(false)));
                }
            }
            await progress.WriteLineAsync($"scroll: 1 warm-up + {ScrollRepeats} measured scrolls through {corpus.Count} models in pages of {ScrollPageSize}").ConfigureAwait(false);
            var (httpScroll, handScroll, sameScroll) = await MeasureScrollAsync(http, floor, corpus.Count, cancellationToken).ConfigureAwait(false);
            var errorLogs = server.ErrorLogEntries;
            await server.StopAsync().ConfigureAwait(false);

            var report = new StringBuilder();
            report.AppendLine("# Cairn models.get_all benchmark on PostgreSQL").AppendLine();
            report.AppendLine(Invariant($"- date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
            report.AppendLine(Invariant($"- machine: {ProcStats.CpuModel()}, {Environment.ProcessorCount} cores, {ProcStats.TotalMemoryGiB():0.0} GiB RAM, {RuntimeInformation.OSDescription}; 1-min load average at start {ProcStats.LoadAverage()}"));
            report.AppendLine(Invariant($"- runtime: {RuntimeInformation.FrameworkDescription}; server binary: `{options.ServerBinary}`; {await ScalarTextAsync(floor, "SELECT version()", cancellationToken).ConfigureAwait(false)}"));
            report.AppendLine(Invariant(
                $"- store: the SQLite benchmark's {corpus.Count} models (seed {options.Seed}), filled into SQLite in {sqliteFill.TotalSeconds:0.0} s and copied into a fresh database by `cairn move-to-postgres`'s binary COPY in {copy.TotalSeconds:0.0} s (ANALYZE included); database {databaseMiB:0} MiB"));
            report.AppendLine(Invariant(
                $"- method: one client, one request at a time; per query {WarmupRounds} warm-up rounds, then {options.Samples} measured rounds, each the HTTP request (to the last byte) then the hand-written SQL ") +
                "(a prepared statement on its own connection, every column of every row read), so machine noise hits both alike.");
            report.AppendLine();
            report.AppendLine("| query | rows | HTTP p50 ms | HTTP p95 ms | hand SQL p50 ms | hand SQL p95 ms | HTTP ÷ hand SQL (p50) | same rows |");
            report.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|");
            report.AppendLine(Invariant($"| HTTP floor: debug.ping (GET, no auth, no database) | | {Ms(ping.P50)} | {Ms(ping.P95)} | | | | |"));
            foreach (var r in results)
            {
                report.AppendLine(Invariant(
                    $"| {r.Query.Name} | {r.Rows} | {Ms(r.Http.P50)} | {Ms(r.Http.P95)} | {Ms(r.Hand.P50)} | {Ms(r.Hand.P95)} | {r.Ratio:0.0}× | {(r.SameRows ? "yes" : "**no**")} |"));
            }
            report.AppendLine();
            var scrollRatio = Median(httpScroll.Totals) / Median(handScroll.Totals);
            report.AppendLine(Invariant($"## Scroll through all {corpus.Count} models in pages of {ScrollPageSize}")).AppendLine();
            report.AppendLine("| path | pages | whole scroll ms (median) | per page p50 ms | per page p95 ms |");
            report.AppendLine("|---|---:|---:|---:|---:|");
            foreach (var (name, times) in new[] { ("HTTP (`scroll_id`)", httpScroll), ("hand SQL (keyset on seq)", handScroll) })
            {
                report.AppendLine(Invariant($"| {name} | {times.Pages} | {Median(times.Totals).TotalMilliseconds:0} | {Ms(times.All.P50)} | {Ms(times.All.P95)} |"));
            }
            report.AppendLine();
            report.AppendLine(Invariant($"HTTP ÷ hand SQL, whole scroll: {scrollRatio:0.0}× (target within {FloorRatioTarget:0}×: {(scrollRatio <= FloorRatioTarget ? "met" : "**NOT met**")}); same rows in the same order: {(sameScroll ? "yes" : "**no**")}."));
            report.AppendLine();
            report.AppendLine(Invariant($"## Targets: each filtered query p50 under {FilteredP50TargetMs:0} ms and within {FloorRatioTarget:0}× of the hand-written SQL")).AppendLine();
            report.AppendLine("| query | p50 ms | under 15 ms | × hand SQL | within 3× |");
            report.AppendLine("|---|---:|---|---:|---|");
            foreach (var r in results.Where(r => r.Query.Filtered))
            {
                report.AppendLine(Invariant(
                    $"| {r.Query.Name} | {Ms(r.Http.P50)} | {(r.Http.P50.TotalMilliseconds < FilteredP50TargetMs ? "met" : "**NOT met**")} | {r.Ratio:0.00} | {(r.Ratio <= FloorRatioTarget ? "met" : "**NOT met**")} |"));
            }
            report.AppendLine();
            report.AppendLine("## Plans of the hand-written SQL (EXPLAIN ANALYZE)").AppendLine();
            foreach (var (name, plan) in plans)
            {
                report.AppendLine($"{name}:").AppendLine().AppendLine("```").Append(plan).AppendLine("```").AppendLine();
            }
            if (errorLogs > 0)
            {
                report.AppendLine(Invariant($"Note: the server wrote {errorLogs} error-level log entries during the run.")).AppendLine();
            }
            return report.ToString();
        }
        finally
        {
            ServerProcess.KillAll();
            SqliteConnection.ClearAllPools();
            await PostgresFloors.DropDatabaseAsync(admin, database).ConfigureAwait(false);
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

    private sealed record Result(ModelQuery Query, int Rows, Stats Http, Stats Hand, bool SameRows)
    {
        public double Ratio => Http.P50 / Hand.P50;
    }

    private async Task<Result> MeasureAsync(HttpPoster http, NpgsqlConnection floor, ModelQuery query, SqlQuery hand, CancellationToken cancellationToken)
    {
        await using var command = await PostgresFloors.PrepareAsync(floor, hand, cancellationToken).ConfigureAwait(false);
        var (_, body, _) = await http.PostAsync(query.Body, cancellationToken, query.Endpoint).ConfigureAwait(false);
        var httpIds = ModelIds(body, out _);
        var (_, handIds) = await RunAsync(command, keepIds: true, cancellationToken).ConfigureAwait(false);
        var sameRows = httpIds.SequenceEqual(handIds);
        if (!sameRows)
        {
            await progress.WriteLineAsync($"  rows differ: HTTP {httpIds.Count}, hand SQL {handIds.Count}; first ids {httpIds.FirstOrDefault() ?? "-"} / {handIds.FirstOrDefault() ?? "-"}").ConfigureAwait(false);
        }
        var httpTicks = new long[options.Samples];
        var handTicks = new long[options.Samples];
        for (var i = -WarmupRounds; i < options.Samples; i++)
        {
            var (_, _, httpTime) = await http.PostAsync(query.Body, cancellationToken, query.Endpoint).ConfigureAwait(false);
            var (handTime, _) = await RunAsync(command, keepIds: false, cancellationToken).ConfigureAwait(false);
            if (i >= 0)
            {
                httpTicks[i] = httpTime;
                handTicks[i] = handTime;
            }
        }
        return new Result(query, handIds.Count, Stats.Of(httpTicks), Stats.Of(handTicks), sameRows);
    }

    /// <summary>Runs the statement and reads every column of every row; the first column's values when asked.</summary>
    private static async Task<(long Ticks, List<string> Ids)> RunAsync(NpgsqlCommand command, bool keepIds, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        var started = Stopwatch.GetTimestamp();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                for (var c = 0; c < reader.FieldCount; c++)
                {
                    _ = reader.GetValue(c);
                }
                if (keepIds)
                {
                    ids.Add(reader.GetString(0));
                }
            }
        }
        return (Stopwatch.GetTimestamp() - started, ids);
    }

    private async Task<Stats> MeasurePingAsync(HttpPoster http, CancellationToken cancellationToken)
    {
        var ticks = new long[options.Samples];
        for (var i = -WarmupRounds; i < options.Samples; i++)
        {
            var time = await http.PingAsync(cancellationToken).ConfigureAwait(false);
            if (i >= 0)
            {
                ticks[i] = time;
            }
        }
        return Stats.Of(ticks);
    }

    private async Task<(ScrollTimes Http, ScrollTimes Hand, bool SameRows)> MeasureScrollAsync(HttpPoster http, NpgsqlConnection floor, int count, CancellationToken cancellationToken)
    {
        var maxPages = (count / ScrollPageSize) + 2;
        var httpTimes = new ScrollTimes();
        var handTimes = new ScrollTimes();
        var sameRows = true;
        await using var page = await PostgresFloors.PrepareAsync(floor, PostgresFloors.ScrollPage(ScrollPageSize), cancellationToken).ConfigureAwait(false);
        for (var repeat = -1; repeat < ScrollRepeats; repeat++)
        {
            var verify = repeat < 0;
            var httpIds = await ScrollHttpAsync(http, maxPages, verify ? null : httpTimes, cancellationToken).ConfigureAwait(false);
            var handIds = await ScrollSqlAsync(page, maxPages, verify ? null : handTimes, cancellationToken).ConfigureAwait(false);
            if (verify)
            {
                sameRows = httpIds.Count == count && httpIds.SequenceEqual(handIds);
                if (!sameRows)
                {
                    await progress.WriteLineAsync($"  scroll rows differ: HTTP {httpIds.Count}, hand SQL {handIds.Count} of {count}").ConfigureAwait(false);
                }
            }
            else
            {
                await progress.WriteLineAsync(Invariant(
                    $"  scroll {repeat + 1}: HTTP {httpTimes.Totals[^1].TotalMilliseconds:0} ms, hand SQL {handTimes.Totals[^1].TotalMilliseconds:0} ms")).ConfigureAwait(false);
            }
        }
        return (httpTimes, handTimes, sameRows);
    }

    private static async Task<List<string>> ScrollHttpAsync(HttpPoster http, int maxPages, ScrollTimes? times, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        var pages = new List<long>();
        string? scrollId = null;
        for (var page = 0; page <= maxPages; page++)
        {
            var body = JsonSerializer.Serialize(new Dictionary<string, object?> { ["scroll_id"] = scrollId, ["size"] = ScrollPageSize });
            var (status, response, ticks) = await http.PostAsync(body, cancellationToken).ConfigureAwait(false);
            if (status != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"models.get_all (scroll) answered {(int)status}: {Encoding.UTF8.GetString(response)}");
            }
            pages.Add(ticks);
            var pageIds = ModelIds(response, out scrollId);
            ids.AddRange(pageIds);
            if (pageIds.Count == 0)
            {
                times?.Add(pages);
                return ids;
            }
        }
        throw new InvalidOperationException($"The scroll did not end after {maxPages} pages.");
    }

    private static async Task<List<string>> ScrollSqlAsync(NpgsqlCommand page, int maxPages, ScrollTimes? times, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        var pages = new List<long>();
        long after = 0;
        for (var n = 0; n <= maxPages; n++)
        {
            page.Parameters["after"].Value = after;
            var started = Stopwatch.GetTimestamp();
            var rows = 0;
            await using (var reader = await page.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    for (var c = 0; c < reader.FieldCount; c++)
                    {
                        _ = reader.GetValue(c);
                    }
                    rows++;
                    ids.Add(reader.GetString(0));
                    after = reader.GetInt64(reader.FieldCount - 1);
                }
            }
            pages.Add(Stopwatch.GetTimestamp() - started);
            if (rows == 0)
            {
                times?.Add(pages);
                return ids;
            }
        }
        throw new InvalidOperationException($"The SQL scroll did not end after {maxPages} pages.");
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    private static async Task<string> ScalarTextAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
