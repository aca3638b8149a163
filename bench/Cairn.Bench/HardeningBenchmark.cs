using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Cairn.Bench;

/// <summary>
/// What a hostile client costs everyone else (<c>--hardening</c>): the p99 of <c>projects.get_all</c>
/// while four clients send pathological regex queries, against the same p99 with none; and the
/// server CPU per refused Basic-auth request before and after the failed-login limit applies.
/// </summary>
internal sealed class HardeningBenchmark(BenchOptions options, TextWriter progress)
{
    private const string Pathological = "^(a|aa)+$";
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(options.ServerBinary))
        {
            throw new FileNotFoundException($"No server binary at {options.ServerBinary}; build it with `dotnet build -c Release src/Cairn.Server` or pass its path.");
        }
        var scratch = Directory.CreateTempSubdirectory("cairn-hardening-bench-");
        try
        {
            await using var server = ServerProcess.Start(options.ServerBinary, scratch.FullName, Benchmark.SeedArgs);
            await server.WaitUntilReadyAsync(StartLimit, cancellationToken).ConfigureAwait(false);
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false }) { Timeout = TimeSpan.FromMinutes(5) };
            var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Benchmark.AccessKey}:{Benchmark.SecretKey}"));
            var bearer = "Bearer " + (await Benchmark.CallAsync(client, server.ApiBase, "auth.login", basic, null, cancellationToken).ConfigureAwait(false))
                .GetProperty("token").GetString();
            for (var i = 0; i < 50; i++)
            {
                await PostAsync(client, server.ApiBase, "projects.create", bearer, $$"""{"name": "bench project {{i}}"}""", cancellationToken).ConfigureAwait(false);
            }
            var name = new string('a', 25) + "!";
            await progress.WriteLineAsync("seeding 200 models named " + name).ConfigureAwait(false);
            for (var i = 0; i < 200; i++)
            {
                await PostAsync(client, server.ApiBase, "models.create", bearer, $$"""{"name": "{{name}}", "uri": "s3://b/m.bin"}""", cancellationToken).ConfigureAwait(false);
            }

            var quiet = await ProjectsP99Async(client, server.ApiBase, bearer, cancellationToken).ConfigureAwait(false);
            using var stop = new CancellationTokenSource();
            var answers = new int[4];
            var attackers = Enumerable.Range(0, 4).Select(async a =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var status = await PostAsync(client, server.ApiBase, "v2.23/models.get_all", bearer, $$"""{"name": "{{Pathological}}"}""", CancellationToken.None).ConfigureAwait(false);
                    answers[a] = status;
                }
            }).ToList();
            var loaded = await ProjectsP99Async(client, server.ApiBase, bearer, cancellationToken).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(attackers).ConfigureAwait(false);

            // Refused Basic auth: the first failures each pay a PBKDF2; past the per-address limit a 429 pays none.
            var wrong = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("UNKNOWNKEY0000:wrong-secret"));
            var (hashedCpu, hashed) = await RefusalsAsync(client, server, wrong, 60, cancellationToken).ConfigureAwait(false);
            var (limitedCpu, limited) = await RefusalsAsync(client, server, wrong, 1000, cancellationToken).ConfigureAwait(false);

            var report = new StringBuilder();
            report.AppendLine(CultureInfo.InvariantCulture, $"## Hardening (`bench/run.sh --hardening`), load average {ProcStats.LoadAverage()}");
            report.AppendLine();
            report.AppendLine("| measure | value |");
            report.AppendLine("|---|---|");
            report.AppendLine(CultureInfo.InvariantCulture, $"| `projects.get_all` p99, quiet (300 sequential calls) | {quiet.TotalMilliseconds:F1} ms |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| `projects.get_all` p99 while 4 clients send `{Pathological}` over 200 models (answered {string.Join('/', answers.Distinct())}) | {loaded.TotalMilliseconds:F1} ms ({loaded / quiet:F2}×; target ≤ 2×) |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| server CPU per refused Basic auth, before the limit ({hashed}) | {hashedCpu.TotalMilliseconds:F2} ms |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| server CPU per refused Basic auth, once the limit applies ({limited}) | {limitedCpu.TotalMilliseconds:F3} ms |");
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
            }
        }
    }

    private static async Task<TimeSpan> ProjectsP99Async(HttpClient client, Uri api, string bearer, CancellationToken cancellationToken)
    {
        var ticks = new List<long>();
        for (var i = 0; i < 300; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await PostAsync(client, api, "v2.23/projects.get_all", bearer, """{"page_size": 50}""", cancellationToken).ConfigureAwait(false);
            ticks.Add(Stopwatch.GetTimestamp() - started);
        }
        return Stopwatch.GetElapsedTime(0, LoadGenerator.Percentile([.. ticks.Order()], 0.99));
    }

    private static async Task<(TimeSpan PerRequest, string Answers)> RefusalsAsync(HttpClient client, ServerProcess server, string authorization, int count, CancellationToken cancellationToken)
    {
        var statuses = new Dictionary<int, int>();
        var before = ProcStats.CpuTime(server.Pid);
        for (var i = 0; i < count; i++)
        {
            var status = await PostAsync(client, server.ApiBase, "v2.23/projects.get_all", authorization, "{}", cancellationToken).ConfigureAwait(false);
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
        }
        var cpu = (ProcStats.CpuTime(server.Pid) - before) / count;
        return (cpu, string.Join(", ", statuses.Select(s => $"{s.Value}× {s.Key}")));
    }

    private static async Task<int> PostAsync(HttpClient client, Uri api, string endpoint, string authorization, string body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api, endpoint)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return (int)response.StatusCode;
    }
}
