using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cairn.Store.Sqlite;
using Microsoft.Data.Sqlite;

namespace Cairn.Bench;

/// <summary>
/// A generated store of models as a team accumulates them over a year: 20 projects, names such as
/// <c>resnet50-imagenet-v12 lr0.01</c>, 3–5 of 50 tags each, 5 metadata keys, 10% archived. It is
/// written with raw SQL in one transaction before the server starts (the API would take minutes);
/// the schema's triggers fill the tag and metadata index tables as they would for API writes.
/// </summary>
internal sealed class ModelCorpus
{
    /// <summary>The company every configured and bootstrapped user belongs to (Cairn.Core's DefaultCompany).</summary>
    public const string Company = "d1bd92a3b039400cbafc60a7a5b1e52b";

    public const int ProjectCount = 20;

    public static readonly string[] Tags =
    [
        "baseline", "production", "candidate", "staging", "experimental", "deprecated", "best", "fp16", "int8", "quantized",
        "pruned", "distilled", "finetuned", "pretrained", "augmented", "ablation", "sweep", "nightly", "release", "gpu-a100",
        "gpu-v100", "gpu-t4", "multi-gpu", "tpu", "cpu-only", "onnx-export", "torchscript", "reviewed", "validated", "needs-review",
        "regression", "hotfix", "team-vision", "team-nlp", "team-speech", "team-research", "customer-a", "customer-b", "q1", "q2",
        "q3", "q4", "2025", "2026", "large-batch", "small-batch", "early-stop", "long-run", "ema", "mixed-precision",
    ];

    public static readonly string[] Datasets = ["imagenet", "cifar10", "coco", "squad", "librispeech", "wikitext", "cityscapes", "mnist"];

    private static readonly (string Arch, string Framework)[] Architectures =
    [
        ("resnet50", "PyTorch"), ("resnet101", "PyTorch"), ("efficientnet-b0", "TensorFlow"), ("efficientnet-b3", "TensorFlow"),
        ("vit-base", "PyTorch"), ("vit-large", "PyTorch"), ("bert-base", "PyTorch"), ("bert-large", "PyTorch"),
        ("yolov8n", "PyTorch"), ("yolov8m", "PyTorch"), ("unet", "Keras"), ("whisper-small", "PyTorch"),
        ("t5-small", "PyTorch"), ("gpt2-medium", "PyTorch"), ("mobilenet-v3", "ONNX"),
    ];

    private static readonly string[] LearningRates = ["0.1", "0.01", "0.001", "0.0003", "0.0001"];

    private static readonly string[] ProjectNames =
    [
        "image-classification", "object-detection", "segmentation", "speech-recognition", "question-answering",
        "language-modeling", "summarization", "translation", "recommendation", "forecasting",
        "anomaly-detection", "ocr", "pose-estimation", "depth-estimation", "tabular-churn",
        "search-ranking", "fraud-detection", "sentiment", "keyword-spotting", "super-resolution",
    ];

    /// <summary>The bench user (md5 of "company:bench", as the server derives configured users' ids) and three colleagues.</summary>
    private static readonly string[] Users =
    [
        Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes($"{Company}:bench"))),
        Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes($"{Company}:alice"))),
        Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes($"{Company}:bob"))),
        Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes($"{Company}:carol"))),
    ];

    private ModelCorpus(int count, string sampleName, int sampleNameCount)
    {
        Count = count;
        SampleName = sampleName;
        SampleNameCount = sampleNameCount;
    }

    public int Count { get; }

    /// <summary>The name of a model in the store, for the exact-name query.</summary>
    public string SampleName { get; }

    /// <summary>How many models carry <see cref="SampleName"/> (names repeat, as re-trained models do).</summary>
    public int SampleNameCount { get; }

    /// <summary>Creates the schema in <paramref name="databasePath"/> and fills it; the same seed gives the same store.</summary>
    public static async Task<ModelCorpus> CreateAsync(string databasePath, int count, int seed, CancellationToken cancellationToken)
    {
        await new SqliteMetadataStore(databasePath).MigrateAsync(cancellationToken).ConfigureAwait(false);
        var random = new Random(seed);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString();
        string sampleName;
        await using (var connection = new SqliteConnection(connectionString))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var start = new DateTimeOffset(2025, 11, 24, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
            var projects = await InsertProjectsAsync(connection, transaction, random, start, cancellationToken).ConfigureAwait(false);
            sampleName = await InsertModelsAsync(connection, transaction, random, start, count, projects, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            await using var checkpoint = connection.CreateCommand();
            // The server starts on a database whose WAL is already folded into the main file.
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            await checkpoint.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using (var connection = new SqliteConnection(connectionString))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM models WHERE name = $name";
            command.Parameters.AddWithValue("$name", sampleName);
            var sameName = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            return new ModelCorpus(count, sampleName, sameName);
        }
    }

    private static async Task<List<(string Id, string Name)>> InsertProjectsAsync(
        SqliteConnection connection, SqliteTransaction transaction, Random random, long start, CancellationToken cancellationToken)
    {
        var projects = new List<(string, string)>();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO projects (id, company, name, basename, description, user_id, created, last_update, tags, system_tags, path)
            VALUES ($id, $company, $name, $name, $description, $user, $created, $created, '[]', '[]', '[]')
            """;
        foreach (var name in ProjectNames.Take(ProjectCount))
        {
            var id = HexId(random);
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$company", Company);
            command.Parameters.AddWithValue("$name", name);
            command.Parameters.AddWithValue("$description", $"Models for {name.Replace('-', ' ')}");
            command.Parameters.AddWithValue("$user", Users[0]);
            command.Parameters.AddWithValue("$created", start - random.NextInt64(0, 30L * 86_400_000));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            projects.Add((id, name));
        }
        return projects;
    }

    private static async Task<string> InsertModelsAsync(
        SqliteConnection connection, SqliteTransaction transaction, Random random, long start, int count,
        List<(string Id, string Name)> projects, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO models (id, company, name, user_id, created, last_update, last_change, last_changed_by, task, project,
                comment, tags, system_tags, framework, design, labels, uri, ready, metadata, last_iteration)
            VALUES ($id, $company, $name, $user, $created, $last_update, $last_update, $user, $task, $project,
                $comment, $tags, $system_tags, $framework, $design, $labels, $uri, $ready, $metadata, $last_iteration)
            """;
        var parameters = new[]
        {
            "$id", "$company", "$name", "$user", "$created", "$last_update", "$task", "$project", "$comment", "$tags",
            "$system_tags", "$framework", "$design", "$labels", "$uri", "$ready", "$metadata", "$last_iteration",
        }.ToDictionary(n => n, n => command.Parameters.Add(n, SqliteType.Text));
        await command.PrepareAsync(cancellationToken).ConfigureAwait(false);

        var year = 365L * 86_400_000;
        var sampleName = "";
        for (var i = 0; i < count; i++)
        {
            var (arch, framework) = Architectures[random.Next(Architectures.Length)];
            var dataset = Datasets[random.Next(Datasets.Length)];
            var lr = LearningRates[random.Next(LearningRates.Length)];
            var name = $"{arch}-{dataset}-v{random.Next(1, 41)} lr{lr}";
            var project = projects[random.Next(projects.Count)];
            var task = HexId(random);
            var created = start + (year * i / count) + random.Next(0, 60_000);
            // Half the models are touched again (published, re-tagged, metadata set) within two weeks.
            var lastUpdate = random.Next(2) == 0 ? created : created + random.NextInt64(1, 14L * 86_400_000);
            var epochs = random.Next(10, 301);
            var pool = (string[])Tags.Clone();
            random.Shuffle(pool);
            var tags = pool.Take(random.Next(3, 6)).Order(StringComparer.Ordinal).ToArray();
            var metadata = new Dictionary<string, object>
            {
                ["dataset"] = Item("dataset", "str", dataset),
                ["epochs"] = Item("epochs", "int", epochs.ToString(CultureInfo.InvariantCulture)),
                ["batch_size"] = Item("batch_size", "int", (16 << random.Next(5)).ToString(CultureInfo.InvariantCulture)),
                ["learning_rate"] = Item("learning_rate", "float", lr),
                ["accuracy"] = Item("accuracy", "float", (0.5 + (random.NextDouble() * 0.49)).ToString("0.0000", CultureInfo.InvariantCulture)),
            };
            parameters["$id"].Value = HexId(random);
            parameters["$company"].Value = Company;
            parameters["$name"].Value = name;
            parameters["$user"].Value = Users[random.Next(Users.Length)];
            parameters["$created"].Value = created;
            parameters["$last_update"].Value = lastUpdate;
            parameters["$task"].Value = task;
            parameters["$project"].Value = project.Id;
            parameters["$comment"].Value = $"Created by task id: {task}";
            parameters["$tags"].Value = JsonSerializer.Serialize(tags);
            parameters["$system_tags"].Value = random.Next(10) == 0 ? """["archived"]""" : "[]";
            parameters["$framework"].Value = framework;
            parameters["$design"].Value = JsonSerializer.Serialize(new { design = $"{arch} trained on {dataset}, {epochs} epochs" });
            parameters["$labels"].Value = "{}";
            parameters["$uri"].Value = $"https://files.example.com/{project.Name}/{Uri.EscapeDataString(name)}.{task}/models/model.pt";
            parameters["$ready"].Value = random.Next(10) < 7 ? 1 : 0;
            parameters["$metadata"].Value = JsonSerializer.Serialize(metadata);
            parameters["$last_iteration"].Value = epochs * 100;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if (i == count / 2)
            {
                sampleName = name;
            }
        }
        return sampleName;
    }

    private static Dictionary<string, string> Item(string key, string type, string value) =>
        new() { ["key"] = key, ["type"] = type, ["value"] = value };

    private static string HexId(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>Python's <c>re.escape</c> (3.7+), which the SDK applies to exact-name lookups: <c>^name$</c>.</summary>
    public static string PythonReEscape(string text)
    {
        const string special = "()[]{}?*+-|^$\\.&~# \t\n\r\v\f";
        var escaped = new StringBuilder(text.Length * 2);
        foreach (var c in text)
        {
            if (special.Contains(c, StringComparison.Ordinal))
            {
                escaped.Append('\\');
            }
            escaped.Append(c);
        }
        return escaped.ToString();
    }
}
