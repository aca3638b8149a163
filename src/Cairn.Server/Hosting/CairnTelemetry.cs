using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Cairn.Server.Hosting;

/// <summary>
/// The server's traces (<see cref="Source"/>: one span per API call) and metrics
/// (<see cref="CairnMetrics"/>). Both are always produced for in-process listeners; they leave the
/// process only when an OTLP endpoint is configured (<c>Cairn:Telemetry:OtlpEndpoint</c> or the
/// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>).
/// </summary>
public static class CairnTelemetry
{
    /// <summary>The name of the <see cref="ActivitySource"/> and the <see cref="Meter"/>.</summary>
    public const string Name = "Cairn.Server";

    public const string EndpointTag = "cairn.endpoint";

    public const string ResultCodeTag = "cairn.result_code";

    public const string ResultSubcodeTag = "cairn.result_subcode";

    public const string TransactionTag = "cairn.trx";

    public static readonly ActivitySource Source = new(Name);

    /// <summary>
    /// The OpenTelemetry SDK and its OTLP exporters, in a method of their own: the JIT loads the
    /// assemblies a method calls when it compiles it, so a server without an endpoint never maps them.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void AddExporters(IServiceCollection services, IConfiguration configuration, Uri? uri)
    {
        // Without Cairn's key the exporter reads the OTEL_EXPORTER_OTLP_* variables itself.
        void Exporter(OpenTelemetry.Exporter.OtlpExporterOptions otlp)
        {
            if (uri is not null)
            {
                otlp.Endpoint = uri;
            }
        }
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(configuration["OTEL_SERVICE_NAME"] ?? "cairn"))
            // "Npgsql": the PostgreSQL store's commands, as spans of the driver's own source.
            .WithTracing(tracing => tracing.AddSource(Name, "Npgsql").AddOtlpExporter(Exporter))
            .WithMetrics(metrics => metrics.AddMeter(Name).AddOtlpExporter(Exporter));
    }

    /// <summary>Registers <see cref="CairnMetrics"/> and, when an OTLP endpoint is configured, the OpenTelemetry exporters.</summary>
    public static IServiceCollection AddCairnTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetrics();
        services.AddSingleton<CairnMetrics>();
        var endpoint = configuration["Cairn:Telemetry:OtlpEndpoint"];
        var standard = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint) && string.IsNullOrWhiteSpace(standard))
        {
            return services; // Off by default: nothing is exported, no exporter thread runs.
        }
        Uri? uri = null;
        if (!string.IsNullOrWhiteSpace(endpoint) && !Uri.TryCreate(endpoint, UriKind.Absolute, out uri))
        {
            throw new CairnStartupException($"Cairn:Telemetry:OtlpEndpoint must be an absolute URL (got '{endpoint}').");
        }
        AddExporters(services, configuration, uri);
        return services;
    }
}

/// <summary>The server's instruments, one set per server (a test process may run several).</summary>
public sealed class CairnMetrics
{
    public CairnMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(CairnTelemetry.Name);
        Requests = Meter.CreateCounter<long>("cairn.api.requests", "{request}", "API calls answered, by endpoint and result code.");
        Duration = Meter.CreateHistogram<double>("cairn.api.duration", "s", "Time to answer an API call, by endpoint and result code.");
        UploadBytes = Meter.CreateCounter<long>("cairn.files.upload.bytes", "By", "Bytes stored by the file server's uploads.");
        DownloadBytes = Meter.CreateCounter<long>("cairn.files.download.bytes", "By", "Bytes served by the file server's downloads.");
        // An observable gauge cannot query the store (its callback is synchronous): the deletion
        // job counts the queue on each pass (at least every 30 s) and the gauge reports that count.
        Meter.CreateObservableGauge("cairn.files.deletion_queue.depth", () => Interlocked.Read(ref _deletionQueueDepth), "{file}",
            "Files queued for deletion and not yet deleted, as of the deletion job's last pass.");
    }

    private long _deletionQueueDepth;

    /// <summary>Sets what <c>cairn.files.deletion_queue.depth</c> reports.</summary>
    public void SetDeletionQueueDepth(long depth) => Interlocked.Exchange(ref _deletionQueueDepth, depth);

    public Meter Meter { get; }

    public Counter<long> Requests { get; }

    public Histogram<double> Duration { get; }

    public Counter<long> UploadBytes { get; }

    public Counter<long> DownloadBytes { get; }

    /// <summary>Records one answered call.</summary>
    public void RecordCall(string endpoint, int resultCode, TimeSpan elapsed)
    {
        var tags = new TagList
        {
            { CairnTelemetry.EndpointTag, endpoint.Length == 0 ? "unknown" : endpoint },
            { CairnTelemetry.ResultCodeTag, resultCode },
        };
        Requests.Add(1, tags);
        Duration.Record(elapsed.TotalSeconds, tags);
    }
}
