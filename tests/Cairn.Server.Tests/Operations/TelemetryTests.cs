using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Text;
using Cairn.Protocol;
using Cairn.Server.Hosting;
using Cairn.Server.Tests.Files;
using Cairn.Testing;
using OpenTelemetry.Trace;
using Xunit;

namespace Cairn.Server.Tests.Operations;

/// <summary>
/// The server's spans and metrics, read by listeners in the test process on the server's real
/// <see cref="ActivitySource"/> and <see cref="Meter"/> (the server runs in this process).
/// </summary>
public sealed class TelemetryTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Every_api_call_is_a_span_with_its_endpoint_result_code_and_transaction_id()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == CairnTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        var trx = "telemetry-" + Guid.NewGuid().ToString("N");
        await CallAsync("debug.ping", trx);
        await CallAsync("models.get_by_id", trx + "-denied", authenticated: false);

        await EventuallyAsync(() => spans.Count(s => s.GetTagItem(CairnTelemetry.TransactionTag) is string t && t.StartsWith(trx, StringComparison.Ordinal)) == 2);
        var ping = spans.Single(s => Equals(s.GetTagItem(CairnTelemetry.TransactionTag), trx));
        Assert.Equal(ActivityKind.Server, ping.Kind);
        Assert.Equal("debug.ping", ping.DisplayName);
        Assert.Equal("debug.ping", ping.GetTagItem(CairnTelemetry.EndpointTag));
        Assert.Equal(200, ping.GetTagItem(CairnTelemetry.ResultCodeTag));

        var denied = spans.Single(s => Equals(s.GetTagItem(CairnTelemetry.TransactionTag), trx + "-denied"));
        Assert.Equal("models.get_by_id", denied.GetTagItem(CairnTelemetry.EndpointTag));
        Assert.Equal(401, denied.GetTagItem(CairnTelemetry.ResultCodeTag));
    }

    [Fact]
    public async Task Requests_latency_and_file_bytes_are_measured_on_the_servers_meter()
    {
        var meter = _server.Service<CairnMetrics>().Meter;
        var counts = new ConcurrentDictionary<string, long>();
        var durations = new ConcurrentQueue<(string Endpoint, double Seconds)>();
        using var listener = new MeterListener
        {
            // Only this server's meter: other servers in the process have their own.
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, meter))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name == "cairn.api.requests"
                ? $"{instrument.Name}|{Tag(tags, CairnTelemetry.EndpointTag)}|{Tag(tags, CairnTelemetry.ResultCodeTag)}"
                : instrument.Name;
            counts.AddOrUpdate(key, value, (_, sum) => sum + value);
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "cairn.api.duration")
            {
                durations.Enqueue((Tag(tags, CairnTelemetry.EndpointTag)!, value));
            }
        });
        listener.Start();

        await CallAsync("debug.ping", "m1");
        await CallAsync("debug.ping", "m2");
        await CallAsync("no_such.endpoint_" + Guid.NewGuid().ToString("N")[..8], "m3");

        var content = Encoding.UTF8.GetBytes(new string('x', 3000));
        using var files = await FilesClient.ForAsync(_server);
        var name = $"telemetry/{Guid.NewGuid():N}.bin";
        using (var upload = await files.UploadAsync(name, content))
        {
            upload.EnsureSuccessStatusCode();
        }
        using (var download = await files.GetAsync(FilesClient.Encode(name)))
        {
            Assert.Equal(content.Length, (await download.EnsureSuccessStatusCode().Content.ReadAsByteArrayAsync()).Length);
        }

        // A shared fixture: other tests' calls may add to the same series, never take away.
        await EventuallyAsync(() => counts.GetValueOrDefault("cairn.api.requests|debug.ping|200") >= 2
            && counts.Keys.Any(k => k.StartsWith("cairn.api.requests|unknown|", StringComparison.Ordinal))
            && counts.GetValueOrDefault("cairn.files.download.bytes") >= content.Length);
        Assert.True(counts.GetValueOrDefault("cairn.api.requests|debug.ping|200") >= 2);
        // An unregistered name is not a series of its own (names are unbounded).
        Assert.Contains(counts.Keys, k => k.StartsWith("cairn.api.requests|unknown|", StringComparison.Ordinal));
        Assert.DoesNotContain(counts.Keys, k => k.Contains("no_such", StringComparison.Ordinal));
        Assert.Contains(durations, d => d.Endpoint == "debug.ping" && d.Seconds > 0);
        Assert.True(counts.GetValueOrDefault("cairn.files.upload.bytes") >= content.Length);
        Assert.True(counts.GetValueOrDefault("cairn.files.download.bytes") >= content.Length);
    }

    [Fact]
    public async Task The_file_servers_blob_store_calls_are_spans_with_the_key()
    {
        var name = $"telemetry/{Guid.NewGuid():N}.bin";
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == CairnTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        using var files = await FilesClient.ForAsync(_server);
        using (var response = await files.UploadAsync(name, Encoding.UTF8.GetBytes("span me")))
        {
            response.EnsureSuccessStatusCode();
        }

        // Other tests share the source: only this test's key counts.
        bool Has(string span) => spans.Any(s => s.DisplayName == span && Equals(s.GetTagItem(Cairn.Server.Files.TracedBlobStore.KeyTag), name));
        await EventuallyAsync(() => Has("blob.upload"));
        var upload = spans.First(s => s.DisplayName == "blob.upload" && Equals(s.GetTagItem(Cairn.Server.Files.TracedBlobStore.KeyTag), name));
        Assert.Equal(ActivityStatusCode.Ok, upload.Status);
        Assert.Equal(7L, upload.GetTagItem("cairn.blob.size"));
        Assert.Equal(ActivityKind.Client, upload.Kind);
    }

    [Fact]
    public async Task The_deletion_queue_depth_is_a_gauge_on_the_servers_meter()
    {
        // A long grace period keeps the queued file in the queue while the gauge is read.
        await using var server = await TestServer.StartAsync(["--Cairn:FileDeletionGraceSeconds=3600"]);
        var meter = server.Service<CairnMetrics>().Meter;
        long? depth = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, meter) && instrument.Name == "cairn.files.deletion_queue.depth")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => depth = value);
        listener.Start();

        var filesUrl = server.Service<Microsoft.Extensions.Options.IOptions<CairnOptions>>().Value.FilesUrl;
        var queue = server.Service<Cairn.Server.Files.FileDeletionQueue>();
        Assert.True(await queue.EnqueueAsync($"{filesUrl}/gauge/a.bin"));
        Assert.True(await queue.EnqueueAsync($"{filesUrl}/gauge/b.bin"));

        for (var i = 0; i < 200 && depth != 2; i++)
        {
            listener.RecordObservableInstruments();
            if (depth != 2)
            {
                await Task.Delay(50);
            }
        }
        Assert.Equal(2, depth);
    }

    [Fact]
    public async Task Nothing_is_exported_unless_an_otlp_endpoint_is_configured()
    {
        Assert.Null(_server.Services.GetService(typeof(TracerProvider)));

        // A collector that is not running: export fails in the background, the server does not.
        await using var exporting = await TestServer.StartAsync([$"--Cairn:Telemetry:OtlpEndpoint=http://127.0.0.1:{TestServer.FreePort()}"]);
        Assert.NotNull(exporting.Services.GetService(typeof(TracerProvider)));
        Assert.NotNull(exporting.Services.GetService(typeof(OpenTelemetry.Metrics.MeterProvider)));
        using var client = exporting.Client(authenticated: false);
        (await client.CallAsync("debug.ping")).Ok();
    }

    [Fact]
    public async Task An_otlp_endpoint_that_is_not_a_url_stops_the_start_with_one_line()
    {
        var e = await Assert.ThrowsAsync<CairnStartupException>(() => TestServer.StartAsync(["--Cairn:Telemetry:OtlpEndpoint=not a url"]));
        Assert.Equal("Cairn:Telemetry:OtlpEndpoint must be an absolute URL (got 'not a url').", e.Message);
    }

    /// <summary>
    /// Waits (at most 10 s) for a condition the server meets just after its answer: a span ends
    /// and a call is counted once the response has gone, so the client can read it first.
    /// </summary>
    private static async Task EventuallyAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }
    }

    private async Task CallAsync(string endpoint, string trx, bool authenticated = true)
    {
        using var http = new HttpClient { BaseAddress = _server.ApiUrl };
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        request.Headers.Add(ClearmlHeaders.Prefix + ClearmlHeaders.Trx, trx);
        if (authenticated)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.ASCII.GetBytes($"{TestServer.AccessKey}:{TestServer.SecretKey}")));
        }
        using var response = await http.SendAsync(request);
    }

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var (k, v) in tags)
        {
            if (k == key)
            {
                return Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return null;
    }
}
