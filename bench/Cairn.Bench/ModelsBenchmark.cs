using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Cairn.Bench;

/// <summary>
/// <c>models.get_all</c> over a large store: latency of single sequential requests (one client,
/// so latency rather than throughput) beside the same query in SQL on the same database file.
/// </summary>
internal sealed class ModelsBenchmark(BenchOptions options, TextWriter progress)
{
    internal const int WarmupRounds = 20;
    internal const int GlobalWarmupRounds = 50;
    internal const int ScrollRepeats = 3;
    internal const int ScrollPageSize = ModelQuery.MaxPageSize;
    internal const double FilteredP50TargetMs = 15;
    internal const double FloorRatioTarget = 3;
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(options.ServerBinary))
        {
            throw new FileNotFoundException(
                $"No server binary at {options.ServerBinary}; build it with `dotnet build -c Release src/Cairn.Server` or pass its path.");
        }
        var scratch = Directory.CreateTempSubdirectory("cairn-models-bench-");
        try
        {
            var dataDir = Path.Combine(scratch.FullName, "data");
            Directory.CreateDirectory(dataDir);
            var databasePath = Path.Combine(dataDir, "cairn.db");
            await progress.WriteLineAsync($"filling {databasePath} with {options.ModelCount} models (seed {options.Seed})").ConfigureAwait(false);
            var fillStarted = Stopwatch.GetTimestamp();
            var corpus = await ModelCorpus.CreateAsync(databasePath, options.ModelCount, options.Seed, cancellationToken).ConfigureAwait(false);
            var projectId = await AddRareTagAsync(databasePath, cancellationToken).ConfigureAwait(false);
            var fill = Stopwatch.GetElapsedTime(fillStarted);
            SqliteConnection.ClearAllPools();
            var databaseMiB = new FileInfo(databasePath).Length / 1048576.0;
            await progress.WriteLineAsync(Invariant($"filled in {fill.TotalSeconds:0.0} s, {databaseMiB:0} MiB; sample name '{corpus.SampleName}' ({corpus.SampleNameCount} models)")).ConfigureAwait(false);

            await using var server = ServerProcess.Start(options.ServerBinary, dataDir, Benchmark.SeedArgs);
            await server.WaitUntilReadyAsync(StartLimit, cancellationToken).ConfigureAwait(false);
            using var client = new HttpClient(new SocketsHttpHandler
            {
                UseProxy = false,
                UseCookies = false,
                PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            }, disposeHandler: true);
            var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Benchmark.AccessKey}:{Benchmark.SecretKey}"));
            var token = (await Benchmark.CallAsync(client, server.ApiBase, "auth.login", basic, null, cancellationToken).ConfigureAwait(false))
                .GetProperty("token").GetString()!;
            var http = new HttpPoster(client, server.ApiBase, "Bearer " + token);
            await EnsureServedAsync(http, cancellationToken).ConfigureAwait(false);

            // Read-only, so the floor can never change what the server sees; WAL lets both read at once.
            await using var floor = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = databasePath,
                Mode = SqliteOpenMode.ReadOnly,
                Pooling = false,
            }.ToString());
            await floor.OpenAsync(cancellationToken).ConfigureAwait(false);

            var queries = ModelQuery.All(corpus, projectId);
            await progress.WriteLineAsync($"warm-up: every query {GlobalWarmupRounds} times, round-robin").ConfigureAwait(false);
            for (var i = 0; i < GlobalWarmupRounds; i++)
            {
                // Tiered compilation reaches its final code only after a method has run many times;
                // without this the first query measured would pay for it.
                foreach (var query in queries)
                {
                    await http.PostAsync(query.Body, cancellationToken, query.Endpoint).ConfigureAwait(false);
                }
                await http.PingAsync(cancellationToken).ConfigureAwait(false);
            }
            var ping = await MeasurePingAsync(http, cancellationToken).ConfigureAwait(false);

            var results = new List<QueryResult>();
            var plans = new List<(string Name, string ServerPlan, string HandPlan)>();
            foreach (var query in queries)
            {
                await progress.WriteLineAsync($"{query.Name}: {WarmupRounds} warm-up + {options.Samples} measured rounds").ConfigureAwait(false);
                results.Add(await MeasureAsync(http, floor, query, cancellationToken).ConfigureAwait(false));
                if (!query.Name.EndsWith("only_fields", StringComparison.Ordinal))
                {
                    plans.Add((query.Name, await ExplainAsync(floor, query.ServerShaped, cancellationToken).ConfigureAwait(false),
                        await ExplainAsync(floor, query.Hand, cancellationToken).ConfigureAwait(false)));
                }
            }
            await progress.WriteLineAsync($"scroll: 1 warm-up + {ScrollRepeats} measured scrolls through {corpus.Count} models in pages of {ScrollPageSize}").ConfigureAwait(false);
            var scroll = await MeasureScrollAsync(http, floor, corpus.Count, cancellationToken).ConfigureAwait(false);
            plans.Add(("scroll page after the first (server: cursor on seq, hand: keyset)",
                await ExplainAsync(floor, ModelQuery.ScrollServerShaped(corpus.Count / 2, ScrollPageSize), cancellationToken).ConfigureAwait(false),
                await ExplainAsync(floor, ModelQuery.ScrollHand(corpus.Count / 2, ScrollPageSize), cancellationToken).ConfigureAwait(false)));
            var errorLogs = server.ErrorLogEntries;
            await server.StopAsync().ConfigureAwait(false);

            var report = new StringBuilder();
            WriteSetup(report, corpus, fill, databaseMiB);
            WriteLatency(report, results, ping);
            WriteScroll(report, scroll);
            WriteTargets(report, results);
            WritePlans(report, plans);
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

    private static async Task EnsureServedAsync(HttpPoster http, CancellationToken cancellationToken)
    {
        var (status, body, _) = await http.PostAsync("""{"page_size":1}""", cancellationToken).ConfigureAwait(false);
        if (status != HttpStatusCode.OK)
        {
            throw new InvalidOperationException(
                $"models.get_all answered {(int)status} ({Encoding.UTF8.GetString(body)}); this server build does not serve it yet.");
        }
    }

    private async Task<QueryResult> MeasureAsync(HttpPoster http, SqliteConnection floor, ModelQuery query, CancellationToken cancellationToken)
    {
        await using var serverSql = await PrepareAsync(floor, query.ServerShaped, cancellationToken).ConfigureAwait(false);
        await using var handSql = await PrepareAsync(floor, query.Hand, cancellationToken).ConfigureAwait(false);

        // The three must return the same rows in the same order, or the comparison means nothing.
        var (_, body, _) = await http.PostAsync(query.Body, cancellationToken, query.Endpoint).ConfigureAwait(false);
        var httpIds = ModelIds(body, out _);
        var serverIds = await ReadIdsAsync(serverSql, cancellationToken).ConfigureAwait(false);
        var handIds = await ReadIdsAsync(handSql, cancellationToken).ConfigureAwait(false);
        var sameRows = httpIds.SequenceEqual(handIds) && serverIds.SequenceEqual(handIds);
        if (!sameRows)
        {
            await progress.WriteLineAsync(
                $"  rows differ: HTTP {httpIds.Count}, server-shaped SQL {serverIds.Count}, hand SQL {handIds.Count}; first ids {First(httpIds)} / {First(serverIds)} / {First(handIds)}")
                .ConfigureAwait(false);
        }

        var httpTicks = new long[options.Samples];
        var serverTicks = new long[options.Samples];
        var handTicks = new long[options.Samples];
        // Interleaved round by round, so that other work on the machine affects all three alike.
        for (var i = -WarmupRounds; i < options.Samples; i++)
        {
            var (_, _, httpTime) = await http.PostAsync(query.Body, cancellationToken, query.Endpoint).ConfigureAwait(false);
            var (serverTime, _) = await TimeSqlAsync(serverSql, cancellationToken).ConfigureAwait(false);
            var (handTime, _) = await TimeSqlAsync(handSql, cancellationToken).ConfigureAwait(false);
            if (i >= 0)
            {
                httpTicks[i] = httpTime;
                serverTicks[i] = serverTime;
                handTicks[i] = handTime;
            }
        }
        return new QueryResult(query, handIds.Count, body.Length, Stats.Of(httpTicks), Stats.Of(serverTicks), Stats.Of(handTicks), sameRows);
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

    private static string First(List<string> ids) => ids.Count == 0 ? "-" : ids[0];

    private async Task<ScrollResult> MeasureScrollAsync(HttpPoster http, SqliteConnection floor, int count, CancellationToken cancellationToken)
    {
        var maxPages = (count / ScrollPageSize) + 2;
        var httpTimes = new ScrollTimes();
        var server = new ScrollTimes();
        var hand = new ScrollTimes();
        var sameRows = true;
        for (var repeat = -1; repeat < ScrollRepeats; repeat++)
        {
            var verify = repeat < 0;
            var httpIds = await ScrollHttpAsync(http, maxPages, verify ? null : httpTimes, cancellationToken).ConfigureAwait(false);
            var serverIds = await ScrollSqlAsync(floor, maxPages, keyset: false, verify ? null : server, cancellationToken).ConfigureAwait(false);
            var handIds = await ScrollSqlAsync(floor, maxPages, keyset: true, verify ? null : hand, cancellationToken).ConfigureAwait(false);
            if (verify)
            {
                sameRows = httpIds.Count == count && httpIds.SequenceEqual(handIds) && serverIds.SequenceEqual(handIds);
                if (!sameRows)
                {
                    await progress.WriteLineAsync($"  scroll rows differ: HTTP {httpIds.Count}, server-shaped SQL {serverIds.Count}, hand SQL {handIds.Count} of {count}").ConfigureAwait(false);
                }
            }
            else
            {
                await progress.WriteLineAsync(Invariant(
                    $"  scroll {repeat + 1}: HTTP {httpTimes.Totals[^1].TotalMilliseconds:0} ms, server-shaped SQL {server.Totals[^1].TotalMilliseconds:0} ms, hand SQL {hand.Totals[^1].TotalMilliseconds:0} ms"))
                    .ConfigureAwait(false);
            }
        }
        return new ScrollResult(count, httpTimes, server, hand, sameRows);
    }

    /// <summary>One whole scroll over HTTP; the time of a page ends when its last byte is read (parsing is not counted).</summary>
    private static async Task<List<string>> ScrollHttpAsync(HttpPoster http, int maxPages, ScrollTimes? times, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        var pages = new List<long>();
        string? scrollId = null;
        for (var page = 0; ; page++)
        {
            if (page > maxPages)
            {
                throw new InvalidOperationException($"The scroll did not end after {maxPages} pages.");
            }
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
                break;
            }
            if (scrollId is null)
            {
                throw new InvalidOperationException("models.get_all returned no scroll_id to a scroll request.");
            }
        }
        times?.Add(pages);
        return ids;
    }

    /// <summary>
    /// One whole scroll in SQL, the empty last page included: as the server pages (a first page, then
    /// each page after the previous page's last seq) or keyset paging by hand.
    /// </summary>
    private static async Task<List<string>> ScrollSqlAsync(SqliteConnection floor, int maxPages, bool keyset, ScrollTimes? times, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        var pages = new List<long>();
        await using var first = await PrepareAsync(floor,
            keyset ? ModelQuery.ScrollHand(0, ScrollPageSize) : ModelQuery.ScrollServerShaped(null, ScrollPageSize), cancellationToken).ConfigureAwait(false);
        await using var next = await PrepareAsync(floor,
            keyset ? ModelQuery.ScrollHand(0, ScrollPageSize) : ModelQuery.ScrollServerShaped(0, ScrollPageSize), cancellationToken).ConfigureAwait(false);
        long after = 0;
        for (var page = 0; page <= maxPages; page++)
        {
            var command = page == 0 ? first : next;
            if (keyset || page > 0)
            {
                command.Parameters["$after"].Value = after;
            }
            var started = Stopwatch.GetTimestamp();
            var rows = 0;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    ReadRow(reader);
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

    private static async Task<SqliteCommand> PrepareAsync(SqliteConnection connection, SqlQuery query, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        command.CommandText = query.Text;
        foreach (var (name, value) in query.Parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        return command;
    }

    /// <summary>Runs the statement and reads every column of every row, as the store must.</summary>
    private static async Task<(long Ticks, int Rows)> TimeSqlAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var rows = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ReadRow(reader);
                rows++;
            }
        }
        return (Stopwatch.GetTimestamp() - started, rows);
    }

    private static void ReadRow(SqliteDataReader reader)
    {
        for (var c = 0; c < reader.FieldCount; c++)
        {
            _ = reader.GetValue(c);
        }
    }

    private static async Task<List<string>> ReadIdsAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    /// <summary>
    /// The ids in <c>data.models</c> of a get_all answer, and its <c>data.scroll_id</c>; for the menu
    /// endpoints (frameworks, tags), the strings of the answer's first list.
    /// </summary>
    internal static List<string> ModelIds(byte[] response, out string? scrollId)
    {
        using var document = JsonDocument.Parse(response);
        var data = document.RootElement.GetProperty("data");
        scrollId = data.TryGetProperty("scroll_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
        if (data.TryGetProperty("models", out var models))
        {
            return models.EnumerateArray().Select(m => m.GetProperty("id").GetString()!).ToList();
        }
        return data.EnumerateObject().First(p => p.Value.ValueKind == JsonValueKind.Array).Value.EnumerateArray().Select(v => v.GetString()!).ToList();
    }

    /// <summary>
    /// Adds <see cref="ModelQuery.RareTag"/> to every 2,500th model (the triggers index it), for the
    /// rare side of the table's tag filter; returns the first project's id.
    /// </summary>
    internal static async Task<string> AddRareTagAsync(string databasePath, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE models SET tags = json_insert(tags, '$[#]', $tag) WHERE seq % 2500 = 0; PRAGMA wal_checkpoint(TRUNCATE);";
        command.Parameters.AddWithValue("$tag", ModelQuery.RareTag);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        command.CommandText = "SELECT id FROM projects ORDER BY id LIMIT 1";
        command.Parameters.Clear();
        return (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task<string> ExplainAsync(SqliteConnection connection, SqlQuery query, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + query.Text;
        foreach (var (name, value) in query.Parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        var depth = new Dictionary<long, int> { [0] = -1 };
        var plan = new StringBuilder();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var level = depth.GetValueOrDefault(reader.GetInt64(1), -1) + 1;
            depth[reader.GetInt64(0)] = level;
            plan.Append(' ', level * 2).AppendLine(reader.GetString(3));
        }
        return plan.ToString();
    }

    private void WriteSetup(StringBuilder report, ModelCorpus corpus, TimeSpan fill, double databaseMiB)
    {
        report.AppendLine("# Cairn models.get_all benchmark").AppendLine();
        report.AppendLine(Invariant($"- date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        report.AppendLine(Invariant($"- machine: {ProcStats.CpuModel()}, {Environment.ProcessorCount} cores, {ProcStats.TotalMemoryGiB():0.0} GiB RAM, {RuntimeInformation.OSDescription}; 1-min load average at start {ProcStats.LoadAverage()}"));
        report.AppendLine(Invariant($"- runtime: {RuntimeInformation.FrameworkDescription}; server binary: `{options.ServerBinary}`"));
        report.AppendLine(Invariant(
            $"- store: {corpus.Count} models in {ModelCorpus.ProjectCount} projects, {ModelCorpus.Tags.Length} distinct tags (3–5 per model), 5 metadata keys, ") + Invariant(
            $"10% archived, seed {options.Seed}; filled with raw SQL in one transaction in {fill.TotalSeconds:0.0} s; database file {databaseMiB:0} MiB"));
        report.AppendLine(Invariant(
            $"- method: one client, one request at a time; per query {WarmupRounds} warm-up rounds, then {options.Samples} measured rounds. ") +
            "Each round sends the HTTP request (time to the last byte of the answer), then runs the server-shaped SQL, then the hand-written SQL " +
            "(execute and read every column of every row on one read-only connection, prepared statement), so machine noise hits all three alike.");
        report.AppendLine();
    }

    private static void WriteLatency(StringBuilder report, List<QueryResult> results, Stats ping)
    {
        report.AppendLine("## Latency of models.get_all (ms) beside the same query in SQL").AppendLine();
        report.AppendLine("| query | request body | rows | answer KiB | HTTP p50 | HTTP p95 | server-shaped SQL p50 | hand SQL p50 | hand SQL p95 | HTTP ÷ hand SQL (p50) | same rows |");
        report.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        report.AppendLine(Invariant($"| HTTP floor: debug.ping (GET, no auth, no database) | | | | {Ms(ping.P50)} | {Ms(ping.P95)} | | | | | |"));
        foreach (var r in results)
        {
            report.AppendLine(Invariant(
                $"| {r.Query.Name} | `{r.Query.Body.Replace("|", "\\|", StringComparison.Ordinal)}` | {r.Rows} | {r.ResponseBytes / 1024.0:0} | ") + Invariant(
                $"{Ms(r.Http.P50)} | {Ms(r.Http.P95)} | {Ms(r.ServerSql.P50)} | {Ms(r.HandSql.P50)} | {Ms(r.HandSql.P95)} | {r.Ratio:0.0}× | {(r.SameRows ? "yes" : "**no**")} |"));
        }
        report.AppendLine();
        report.AppendLine("The server-shaped SQL is the statement the store generates, copied into the benchmark: with `only_fields` it reads " +
            "the projection's columns and cheap stand-ins for the JSON columns left out (the scalar columns are always read). " +
            "The hand-written SQL reads only the columns the answer needs.");
        report.AppendLine();
    }

    private static void WriteScroll(StringBuilder report, ScrollResult scroll)
    {
        report.AppendLine(Invariant($"## Scroll through all {scroll.Count} models in pages of {ScrollPageSize} (`{{\"scroll_id\": null, \"size\": {ScrollPageSize}}}`, then the returned id)")).AppendLine();
        report.AppendLine(Invariant($"Whole scroll: median of {ScrollRepeats}, the sum of the page times (the empty last page included). Per page: over all pages of those scrolls."));
        report.AppendLine();
        report.AppendLine("| path | pages | whole scroll ms | per page p50 ms | per page p95 ms | first 10 pages p50 ms | last 10 pages p50 ms |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, times) in new[] { ("HTTP", scroll.Http), ("server-shaped SQL (cursor on seq)", scroll.ServerSql), ("hand SQL (keyset on seq)", scroll.HandSql) })
        {
            report.AppendLine(Invariant(
                $"| {name} | {times.Pages} | {Median(times.Totals).TotalMilliseconds:0} | {Ms(times.All.P50)} | {Ms(times.All.P95)} | {Ms(times.FirstPages.P50)} | {Ms(times.LastPages.P50)} |"));
        }
        report.AppendLine();
        report.AppendLine(Invariant($"HTTP ÷ hand SQL, whole scroll: {Median(scroll.Http.Totals) / Median(scroll.HandSql.Totals):0.0}×; same rows in the same order: {(scroll.SameRows ? "yes" : "**no**")}."));
        report.AppendLine();
    }

    private static void WriteTargets(StringBuilder report, List<QueryResult> results)
    {
        report.AppendLine(Invariant($"## Targets: each filtered query p50 under {FilteredP50TargetMs:0} ms and within {FloorRatioTarget:0}× of the hand-written SQL")).AppendLine();
        report.AppendLine("| query | p50 ms | under 15 ms | × hand SQL | within 3× |");
        report.AppendLine("|---|---:|---|---:|---|");
        foreach (var r in results.Where(r => r.Query.Filtered))
        {
            var fast = r.Http.P50.TotalMilliseconds < FilteredP50TargetMs;
            var close = r.Ratio <= FloorRatioTarget;
            report.AppendLine(Invariant($"| {r.Query.Name} | {Ms(r.Http.P50)} | {(fast ? "met" : "**NOT met**")} | {r.Ratio:0.00} | {(close ? "met" : "**NOT met**")} |"));
        }
        report.AppendLine();
        if (results.FirstOrDefault(r => r.Rows == 0) is { } empty)
        {
            report.AppendLine(Invariant(
                $"A get_all that matches nothing (`{empty.Query.Name}`) takes {Ms(empty.Http.P50)} ms over HTTP: authentication, parsing, a pooled connection, one indexed lookup. ") +
                "A query whose SQL takes a small fraction of that cannot be within 3× of its SQL over HTTP.");
            report.AppendLine();
        }
    }

    private static void WritePlans(StringBuilder report, List<(string Name, string ServerPlan, string HandPlan)> plans)
    {
        report.AppendLine("## Query plans (EXPLAIN QUERY PLAN)").AppendLine();
        foreach (var (name, serverPlan, handPlan) in plans)
        {
            report.AppendLine($"{name}, server-shaped:").AppendLine().AppendLine("```").Append(serverPlan).AppendLine("```").AppendLine();
            report.AppendLine($"{name}, hand-written:").AppendLine().AppendLine("```").Append(handPlan).AppendLine("```").AppendLine();
        }
    }

    internal static TimeSpan Median(List<TimeSpan> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    internal static string Ms(TimeSpan value) => value.TotalMilliseconds.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>POSTs JSON to models.get_all with a Bearer token and reads the whole answer.</summary>
    internal sealed class HttpPoster(HttpClient client, Uri apiBase, string authorization)
    {
        private readonly Dictionary<string, LoadTarget> _targets = [];
        private readonly LoadTarget _ping = new("debug.ping", HttpMethod.Get, null, null);

        public async Task<long> PingAsync(CancellationToken cancellationToken)
        {
            using var request = _ping.NewRequest(apiBase, null);
            var started = Stopwatch.GetTimestamp();
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            await response.Content.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
            var ticks = Stopwatch.GetTimestamp() - started;
            response.EnsureSuccessStatusCode();
            return ticks;
        }

        public async Task<(HttpStatusCode Status, byte[] Body, long Ticks)> PostAsync(string json, CancellationToken cancellationToken, string endpoint = "models.get_all")
        {
            if (!_targets.TryGetValue(endpoint, out var target))
            {
                _targets[endpoint] = target = new LoadTarget(endpoint, HttpMethod.Post, authorization, null);
            }
            using var request = target.NewRequest(apiBase, Encoding.UTF8.GetBytes(json));
            var started = Stopwatch.GetTimestamp();
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var ticks = Stopwatch.GetTimestamp() - started;
            if (response.StatusCode != HttpStatusCode.OK && response.StatusCode != HttpStatusCode.NotFound)
            {
                throw new InvalidOperationException($"{endpoint} answered {(int)response.StatusCode} to {json}: {Encoding.UTF8.GetString(body)}");
            }
            return (response.StatusCode, body, ticks);
        }
    }

    /// <summary>p50 and p95 (nearest rank) of Stopwatch tick counts.</summary>
    internal readonly record struct Stats(TimeSpan P50, TimeSpan P95)
    {
        public static Stats Of(IEnumerable<long> ticks)
        {
            var sorted = ticks.ToArray();
            Array.Sort(sorted);
            return new Stats(
                Stopwatch.GetElapsedTime(0, LoadGenerator.Percentile(sorted, 0.50)),
                Stopwatch.GetElapsedTime(0, LoadGenerator.Percentile(sorted, 0.95)));
        }
    }

    private sealed record QueryResult(ModelQuery Query, int Rows, long ResponseBytes, Stats Http, Stats ServerSql, Stats HandSql, bool SameRows)
    {
        public double Ratio => Http.P50 / HandSql.P50;
    }

    /// <summary>Page times of the measured scrolls of one path.</summary>
    internal sealed class ScrollTimes
    {
        private const int EdgePages = 10;
        private readonly List<List<long>> _scrolls = [];

        public List<TimeSpan> Totals { get; } = [];

        public int Pages => _scrolls.Count == 0 ? 0 : _scrolls[0].Count;

        public Stats All => Stats.Of(_scrolls.SelectMany(s => s));

        public Stats FirstPages => Stats.Of(_scrolls.SelectMany(s => s.Take(EdgePages)));

        // The empty page that ends the scroll is left out: it is cheap under every path.
        public Stats LastPages => Stats.Of(_scrolls.SelectMany(s => s.SkipLast(1).TakeLast(EdgePages)));

        public void Add(List<long> pages)
        {
            _scrolls.Add(pages);
            Totals.Add(Stopwatch.GetElapsedTime(0, pages.Sum()));
        }
    }

    private sealed record ScrollResult(int Count, ScrollTimes Http, ScrollTimes ServerSql, ScrollTimes HandSql, bool SameRows);
}
