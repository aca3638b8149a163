using static Cairn.Bench.Sdk.BenchTools;
// `bench/run.sh --stores` (issue 11, "Measured"): on each emulator (s3rver, Azurite, the Cloud
// Storage emulator) a file of --file-mib MiB: the SDK's upload and cold download against a curl
// floor on the same emulator in the same run, the SDK's peak RSS, and the bytes sent again when an
// upload cancelled at 50 % is started again (counted on the wire by a relay). Floors: S3 a signed
// `curl --aws-sigv4` PUT/GET; Azure `curl` PUT/GET on a SAS URL (made with the account key);
// GCS `curl` media upload/GET (the emulator checks no credentials).
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Cairn.Configuration;
using Cairn.Session;
using Cairn.Storage;
using Cairn.Storage.Tests;

namespace Cairn.Bench.Sdk;

internal static class ObjectStoreBenchmark
{
    /// <summary>The Cloud Storage emulator refuses request bodies over 130 MB, so its file is capped (and its upload goes in one chunk).</summary>
    private const int GcsMaxMiB = 120;

    public static async Task<int> RunAsync(string[] args)
    {
        var fileMiB = Option(args, "--file-mib", 1024);
        var rounds = Option(args, "--rounds", 3);
        var log = Console.Error;
        var scratch = Directory.CreateTempSubdirectory("cairn-stores-bench-").FullName;
        var report = new StringBuilder();
        try
        {
            var source = Path.Combine(scratch, "model.bin");
            await log.WriteLineAsync($"writing {fileMiB} MiB of random bytes");
            await WriteRandomFileAsync(source, (long)fileMiB << 20);
            report.AppendLine(Invariant($"{fileMiB} MiB of random bytes ({GcsMaxMiB} MiB on GCS, the emulator's body limit), {rounds} rounds (medians); load average {SelfMemory.LoadAverage()} at the start; {Environment.ProcessorCount} cores."));
            report.AppendLine();
            report.AppendLine("| store | SDK upload | floor upload | ratio | SDK cold download | floor download | ratio | SDK peak RSS up / down | resumed upload sends again | floor |");
            report.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
            foreach (var store in Stores())
            {
                var file = source;
                if (store.Name == "gcs" && fileMiB > GcsMaxMiB)
                {
                    file = Path.Combine(scratch, "gcs-model.bin");
                    if (!File.Exists(file))
                    {
                        await WriteRandomFileAsync(file, (long)GcsMaxMiB << 20);
                    }
                }
                await log.WriteLineAsync($"{store.Name}: {new FileInfo(file).Length >> 20} MiB");
                report.AppendLine(await MeasureAsync(store, file, rounds, Path.Combine(scratch, store.Name), log));
            }
            report.AppendLine();
            report.AppendLine("Targets: upload and download within 1.3× of the floor; peak RSS under 150 MB; a resumed upload sends at most 55 % of the file again. "
                + "GCS: no resume (the emulator ends a resumable session at its first chunk), so its last column is –.");
            Console.Write(report.ToString());
            return 0;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static async Task<string> MeasureAsync(Store store, string file, int rounds, string folder, TextWriter log)
    {
        Directory.CreateDirectory(folder);
        var size = new FileInfo(file).Length;
        var cache = Path.Combine(folder, "cache");
        var sdkUp = new List<double>();
        var floorUp = new List<double>();
        var sdkDown = new List<double>();
        var floorDown = new List<double>();
        double upPeak = 0, downPeak = 0;
        // Untimed warm-up: the vendor client's start (and the JIT) belong to no transfer.
        var warm = Path.Combine(folder, "warm.bin");
        await WriteRandomFileAsync(warm, 1 << 20);
        await using (var session = new ClearMLSession(store.Settings(Path.Combine(folder, "warm-cache"))))
        {
            using var storage = new StorageManager(session);
            await storage.UploadFileAsync(warm, $"{store.Bucket}/bench/warm.bin");
            await storage.GetLocalCopyAsync($"{store.Bucket}/bench/warm.bin");
        }
        for (var round = 1; round <= rounds; round++)
        {
            await log.WriteLineAsync($"{store.Name}: round {round}/{rounds}");
            var key = $"bench/round{round}/model.bin";
            await SyncAsync();
            floorUp.Add(await BenchTools.RunAsync("curl", [.. store.FloorPut(file, "floor/" + key)]));
            var target = Path.Combine(folder, "floor.bin");
            await SyncAsync();
            floorDown.Add(await BenchTools.RunAsync("curl", [.. store.FloorGet("floor/" + key, target)]));
            File.Delete(target);

            await using var session = new ClearMLSession(store.Settings(cache));
            using var storage = new StorageManager(session);
            var url = $"{store.Bucket}/{key}";
            await SyncAsync();
            SelfMemory.ResetPeak();
            var watch = Stopwatch.StartNew();
            var stored = await storage.UploadFileAsync(file, url);
            sdkUp.Add(watch.Elapsed.TotalSeconds);
            upPeak = Math.Max(upPeak, SelfMemory.PeakMiB());

            if (Directory.Exists(cache))
            {
                Directory.Delete(cache, recursive: true);
            }
            await SyncAsync();
            SelfMemory.ResetPeak();
            watch.Restart();
            var copy = await storage.GetLocalCopyAsync(url, new FileIntegrity(stored.Size, stored.Sha256));
            sdkDown.Add(watch.Elapsed.TotalSeconds);
            downPeak = Math.Max(downPeak, SelfMemory.PeakMiB());
            File.Delete(copy);
        }
        var resumed = store.Resumes ? Invariant($"{await ResumeAsync(store, file, Path.Combine(folder, "resume-cache")) * 100:0} %") : "–";
        var mib = size / (double)(1 << 20);
        return Invariant($"| {store.Name} | {Median(sdkUp):0.00} s ({mib / Median(sdkUp):0} MiB/s) | {Median(floorUp):0.00} s | {Median(sdkUp) / Median(floorUp):0.00} | ")
            + Invariant($"{Median(sdkDown):0.00} s ({mib / Median(sdkDown):0} MiB/s) | {Median(floorDown):0.00} s | {Median(sdkDown) / Median(floorDown):0.00} | ")
            + Invariant($"{upPeak:0} / {downPeak:0} MiB | {resumed} | {store.Floor} |");
    }

    /// <summary>Uploads through a counting relay, cancels at 50 %, starts again in a new session; returns the share of the file sent the second time.</summary>
    private static async Task<double> ResumeAsync(Store store, string file, string cache)
    {
        var size = new FileInfo(file).Length;
        await using var proxy = new CountingProxy(store.Endpoint);
        var (settings, bucket) = store.Through(proxy.Authority, cache);
        var url = $"{bucket}/bench/resume/model.bin";
        using (var kill = new CancellationTokenSource())
        {
            await using var session = new ClearMLSession(settings);
            using var storage = new StorageManager(session);
            var progress = new InlineProgress(p =>
            {
                if (p.Bytes >= size / 2)
                {
                    kill.Cancel();
                }
            });
            try
            {
                await storage.UploadFileAsync(file, url, progress, kill.Token);
                throw new InvalidOperationException("The upload to be killed completed.");
            }
            catch (OperationCanceledException)
            {
            }
        }
        var before = proxy.BytesUp;
        await using (var session = new ClearMLSession(settings))
        {
            using var storage = new StorageManager(session);
            await storage.UploadFileAsync(file, url);
        }
        return (proxy.BytesUp - before) / (double)size;
    }

    private static IEnumerable<Store> Stores()
    {
        if (Environment.GetEnvironmentVariable("CAIRN_TEST_S3_ENDPOINT") is { Length: > 0 } s3)
        {
            yield return S3(new Uri(s3), Environment.GetEnvironmentVariable("CAIRN_TEST_S3_ACCESS_KEY")!, Environment.GetEnvironmentVariable("CAIRN_TEST_S3_SECRET_KEY")!);
        }
        if (Environment.GetEnvironmentVariable("CAIRN_TEST_AZURE_ENDPOINT") is { Length: > 0 } azure)
        {
            yield return Azure(new Uri(azure), Environment.GetEnvironmentVariable("CAIRN_TEST_AZURE_ACCOUNT")!, Environment.GetEnvironmentVariable("CAIRN_TEST_AZURE_KEY")!);
        }
        if (Environment.GetEnvironmentVariable("CAIRN_TEST_GCS_ENDPOINT") is { Length: > 0 } gcs)
        {
            yield return Gcs(new Uri(gcs));
        }
    }

    private static Store S3(Uri endpoint, string key, string secret)
    {
        var bucket = "bench-" + Guid.NewGuid().ToString("N")[..12];
        using (var client = new AmazonS3Client(new BasicAWSCredentials(key, secret), new AmazonS3Config { ServiceURL = endpoint.AbsoluteUri, ForcePathStyle = true, AuthenticationRegion = "us-east-1" }))
        {
            client.PutBucketAsync(bucket).GetAwaiter().GetResult();
        }
        ClearMLSettings Make(string cache, string host) => Settings(cache, new()
        {
            ["sdk.aws.s3.credentials.0.host"] = host,
            ["sdk.aws.s3.credentials.0.key"] = key,
            ["sdk.aws.s3.credentials.0.secret"] = secret,
            ["sdk.aws.s3.credentials.0.secure"] = "false",
        });
        // The payload goes unsigned, as the SDK's does on TLS (curl would otherwise send no x-amz-content-sha256, which S3 requires).
        string[] Signed(params string[] rest) => ["--silent", "--show-error", "--fail", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user", $"{key}:{secret}",
            "--header", "x-amz-content-sha256: UNSIGNED-PAYLOAD", .. rest];
        return new Store("s3", $"s3://{endpoint.Authority}/{bucket}", endpoint, Resumes: true,
            "signed `curl --aws-sigv4` PUT / GET",
            cache => Make(cache, endpoint.Authority),
            (authority, cache) => (Make(cache, authority), $"s3://{authority}/{bucket}"),
            (file, key1) => Signed("--upload-file", file, "--output", "/dev/null", $"{endpoint.AbsoluteUri}{bucket}/{key1}"),
            (key1, target) => Signed("--output", target, $"{endpoint.AbsoluteUri}{bucket}/{key1}"));
    }

    private static Store Azure(Uri endpoint, string account, string accountKey)
    {
        var container = "bench-" + Guid.NewGuid().ToString("N")[..12];
        var credential = new StorageSharedKeyCredential(account, accountKey);
        var containerUrl = new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/" + container);
        new BlobContainerClient(containerUrl, credential).Create();
        var sas = new BlobSasBuilder(BlobContainerSasPermissions.Read | BlobContainerSasPermissions.Write | BlobContainerSasPermissions.Create, DateTimeOffset.UtcNow.AddDays(1))
        {
            BlobContainerName = container,
        }.ToSasQueryParameters(credential).ToString();
        ClearMLSettings Make(string cache, string serviceEndpoint) => Settings(cache, new()
        {
            ["sdk.azure.storage.containers.0.account_name"] = account,
            ["sdk.azure.storage.containers.0.account_key"] = accountKey,
            ["sdk.azure.storage.containers.0.endpoint"] = serviceEndpoint,
        });
        return new Store("azure", $"azure://{account}.blob.core.windows.net/{container}", endpoint, Resumes: true,
            "`curl` PUT (x-ms-blob-type: BlockBlob) / GET on a SAS URL",
            cache => Make(cache, endpoint.AbsoluteUri),
            (authority, cache) => (Make(cache, $"http://{authority}{endpoint.AbsolutePath}"), $"azure://{account}.blob.core.windows.net/{container}"),
            (file, key) => ["--silent", "--show-error", "--fail", "--header", "x-ms-blob-type: BlockBlob", "--upload-file", file, "--output", "/dev/null", $"{containerUrl}/{key}?{sas}"],
            (key, target) => ["--silent", "--show-error", "--fail", "--output", target, $"{containerUrl}/{key}?{sas}"]);
    }

    private static Store Gcs(Uri endpoint)
    {
        var bucket = "bench-" + Guid.NewGuid().ToString("N")[..12];
        ClearMLSettings Make(string cache, string root) => Settings(cache, new()
        {
            ["sdk.google.storage.project"] = "demo-cairn",
            ["sdk.google.storage.endpoint"] = root,
            // One chunk: the emulator ends a resumable session at its first one.
            ["sdk.google.storage.multipart_chunksize"] = (GcsMaxMiB << 20).ToString(CultureInfo.InvariantCulture),
        });
        var api = endpoint.AbsoluteUri.TrimEnd('/');
        return new Store("gcs", $"gs://{bucket}", endpoint, Resumes: false,
            "`curl` media upload / `alt=media` GET",
            cache => Make(cache, api),
            (authority, cache) => (Make(cache, $"http://{authority}"), $"gs://{bucket}"),
            (file, key) => ["--silent", "--show-error", "--fail", "--header", "Content-Type: application/octet-stream", "--data-binary", "@" + file, "--output", "/dev/null",
                $"{api}/upload/storage/v1/b/{bucket}/o?uploadType=media&name={Uri.EscapeDataString(key)}"],
            (key, target) => ["--silent", "--show-error", "--fail", "--output", target, $"{api}/storage/v1/b/{bucket}/o/{Uri.EscapeDataString(key)}?alt=media"]);
    }

    private static ClearMLSettings Settings(string cache, Dictionary<string, string> blocks) => new()
    {
        ApiHost = new Uri("http://127.0.0.1:1"), AccessKey = "unused", SecretKey = "unused",
        CacheDirectory = cache,
        CacheSizeLimitBytes = 8L << 30,
        StorageBlocks = blocks,
    };

    private sealed record Store(string Name, string Bucket, Uri Endpoint, bool Resumes, string Floor,
        Func<string, ClearMLSettings> Settings,
        Func<string, string, (ClearMLSettings Settings, string Bucket)> Through,
        Func<string, string, string[]> FloorPut,
        Func<string, string, string[]> FloorGet);

    private sealed class InlineProgress(Action<TransferProgress> report) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value) => report(value);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
