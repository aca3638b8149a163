using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cairn.Protocol.Query;
using Cairn.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using Xunit.Abstractions;

namespace Cairn.Server.Tests.Models;

/// <summary>
/// The query language (docs/query.md) against a real server: random models are created through the
/// API, random queries are drawn from the grammar, and each compiled query sent as models.get_all must
/// select exactly the models a brute-force evaluation of the parse tree selects.
/// </summary>
public sealed class ModelsQueryLanguageTests(ITestOutputHelper output)
{
    private const int ModelCount = 300;

    private const int QueryCount = 200;

    private static readonly string[] Tags = ["prod", "dev", "exp", "v1", "v2"];

    private static readonly string?[] Frameworks = ["PyTorch", "ONNX", "Keras", "TensorFlow", null];

    private static readonly string[] Datasets = ["imagenet", "coco", "mnist"];

    private static readonly string[] Epochs = ["10", "20"];

    /// <summary>Values of "train.split", a key holding a dot: its path must be escaped to address it.</summary>
    private static readonly string[] Splits = ["train", "val"];

    private static readonly string[] Stems = ["resnet", "vit", "bert", "gpt"];

    private static readonly string[] Regexes = ["^resnet", "vit", "-1", "\\d{2}$", "^(bert|gpt)", "t-[0-4]", "^v"];

    private static readonly DateTimeOffset Start = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed record Model(
        string Id, string Name, List<string> Tags, string? Framework, Dictionary<string, string> Meta, bool Ready,
        DateTimeOffset Created, DateTimeOffset Updated);

    private sealed class Clock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task Compiled_queries_select_what_a_brute_force_evaluation_selects()
    {
        var clock = new Clock(Start);
        await using var server = await TestServer.StartAsync(configure: builder => builder.Services.AddSingleton<TimeProvider>(clock));
        using var client = server.Client();
        var random = new Random(20261207);
        var project = await client.CreateProjectAsync("Query language");

        var models = new List<Model>();
        for (var i = 0; i < ModelCount; i++)
        {
            var name = $"{Stems[random.Next(Stems.Length)]}-{random.Next(100)}";
            var tags = Tags.Where(_ => random.Next(3) == 0).ToList();
            var framework = Frameworks[random.Next(Frameworks.Length)];
            var meta = new Dictionary<string, string>();
            if (random.Next(4) > 0)
            {
                meta["dataset"] = Datasets[random.Next(Datasets.Length)];
            }
            if (random.Next(2) == 0)
            {
                meta["epochs"] = Epochs[random.Next(Epochs.Length)];
            }
            if (random.Next(2) == 0)
            {
                meta["train.split"] = Splits[random.Next(Splits.Length)];
            }
            var ready = random.Next(2) == 0;
            var created = Start.AddMinutes(random.Next(60 * 24 * 60));
            clock.Now = created;
            var body = new JsonObject
            {
                ["project"] = project,
                ["tags"] = new JsonArray(tags.Select(t => (JsonNode)t).ToArray()),
                ["ready"] = ready,
                ["metadata"] = new JsonObject(meta.Select(kv => KeyValuePair.Create(kv.Key,
                    (JsonNode?)new JsonObject { ["key"] = kv.Key, ["type"] = "str", ["value"] = kv.Value }))),
            };
            if (framework is not null)
            {
                body["framework"] = framework;
            }
            var id = await client.CreateModelAsync(name, body);
            var updated = created;
            if (random.Next(3) == 0)
            {
                // A later edit moves last_update away from created.
                updated = created.AddMinutes(random.Next(1, 60 * 24 * 10));
                clock.Now = updated;
                (await client.CallAsync("models.update", new { model = id, uri = "s3://bucket/models/edited.bin" })).Ok();
            }
            models.Add(new Model(id, name, tags, framework, meta, ready, created, updated));
        }

        // The stored dates are the clock's, so the brute force below compares the same instants the server does.
        var stored = await client.GetAllModelsAsync(new { project = new[] { project }, only_fields = new[] { "id", "created", "last_update" }, page_size = 500 });
        Assert.Equal(ModelCount, stored.Count);
        foreach (var row in stored)
        {
            var model = models.Single(m => m.Id == row!["id"]!.GetValue<string>());
            Assert.Equal((model.Created, model.Updated), (Date(row!["created"]), Date(row["last_update"])));
        }

        var generator = new QueryGenerator(random, models);
        int compiled = 0, refused = 0, selective = 0;
        var mismatches = new List<string>();
        for (var attempt = 0; compiled < QueryCount && attempt < QueryCount * 20; attempt++)
        {
            var text = generator.Query();
            JsonObject fields;
            QueryNode tree;
            try
            {
                tree = QueryParser.Parse(text);
                fields = QueryCompiler.Compile(tree);
            }
            catch (QueryException)
            {
                refused++;
                continue;
            }
            compiled++;
            var request = (JsonObject)fields.DeepClone();
            request["project"] = new JsonArray(project);
            request["only_fields"] = new JsonArray("id");
            request["page_size"] = 500;
            var actual = (await client.GetAllModelsAsync(request)).Ids().Order(StringComparer.Ordinal).ToList();
            var expected = models.Where(m => Evaluate(tree, m)).Select(m => m.Id).Order(StringComparer.Ordinal).ToList();
            if (!actual.SequenceEqual(expected))
            {
                mismatches.Add($"{text}\n  wire {fields.ToJsonString()}\n  server {actual.Count}, brute force {expected.Count}");
            }
            if (expected.Count > 0 && expected.Count < ModelCount)
            {
                selective++;
            }
        }
        output.WriteLine($"{compiled} queries compiled and compared, {refused} refused by the compiler, {selective} selected some but not all models");

        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {compiled} queries disagree:\n" + string.Join("\n", mismatches.Take(10)));
        Assert.Equal(QueryCount, compiled);
        // The comparison means something only when most queries split the models.
        Assert.True(selective >= QueryCount / 2, $"only {selective} of {compiled} queries selected a proper subset");
    }

    [Fact]
    public async Task A_metadata_key_with_dots_dollars_or_underscores_is_addressed_exactly()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.Client();
        var project = await client.CreateProjectAsync("Query language keys");
        // "acc" beside "acc.top1": an unescaped path metadata.acc.top1.value would be a field inside "acc".
        string[] keys = ["acc.top1", "acc", "cost$", "__private", "_seed", "rate%2E", "rate."];
        var ids = new Dictionary<string, string>();
        foreach (var key in keys)
        {
            ids[key] = await client.CreateModelAsync("keyed " + key, new JsonObject
            {
                ["project"] = project,
                ["metadata"] = new JsonObject { [key] = new JsonObject { ["key"] = key, ["type"] = "str", ["value"] = "v" } },
            });
        }

        foreach (var key in keys)
        {
            var request = QueryCompiler.Compile($"meta.{key} = v");
            request["project"] = new JsonArray(project);
            request["only_fields"] = new JsonArray("id");
            var found = (await client.GetAllModelsAsync(request)).Ids().ToList();
            Assert.True(found.SequenceEqual([ids[key]]), $"meta.{key} = v found {found.Count} models, wire {request.ToJsonString()}");
        }
    }

    private static DateTimeOffset Date(JsonNode? node) =>
        DateTimeOffset.Parse(node!.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <summary>The query's meaning, evaluated directly on the parse tree (not on the compiled wire form).</summary>
    private static bool Evaluate(QueryNode node, Model model) => node switch
    {
        QueryAnd and => and.Operands.All(o => Evaluate(o, model)),
        QueryOr or => or.Operands.Any(o => Evaluate(o, model)),
        QueryNot not => !Evaluate(not.Operand, model),
        QueryValue { Field: QueryField.Tag } value => model.Tags.Contains(value.Value),
        QueryValue { Field: QueryField.Framework } value => model.Framework == value.Value,
        QueryValue { Field: QueryField.Metadata } value => model.Meta.TryGetValue(value.Key!, out var stored) && stored == value.Value,
        QueryPattern { Exact: true } pattern => model.Name == pattern.Pattern,
        QueryPattern pattern => Regex.IsMatch(model.Name, pattern.Pattern, RegexOptions.None, TimeSpan.FromSeconds(1)),
        QueryFlag => model.Ready,
        QueryDate date => Compare(date.Field == QueryField.Created ? model.Created : model.Updated, date),
        _ => throw new InvalidOperationException($"The generator made {node}"),
    };

    private static bool Compare(DateTimeOffset value, QueryDate date)
    {
        // A calendar date compares days; a time compares instants.
        var order = date.DateOnly
            ? value.UtcDateTime.Date.CompareTo(date.Value.UtcDateTime.Date)
            : value.CompareTo(date.Value);
        return date.Comparison switch
        {
            QueryComparison.Equal => order == 0,
            QueryComparison.Greater => order > 0,
            QueryComparison.GreaterOrEqual => order >= 0,
            QueryComparison.Less => order < 0,
            QueryComparison.LessOrEqual => order <= 0,
            _ => throw new InvalidOperationException(),
        };
    }

    /// <summary>Random queries from the grammar: an 'and' of clauses, each mostly about one field, sometimes crossing fields.</summary>
    private sealed class QueryGenerator(Random random, List<Model> models)
    {
        public string Query()
        {
            var clauses = Enumerable.Range(0, 1 + random.Next(3)).Select(_ => Clause()).ToList();
            return string.Join(" and ", clauses);
        }

        private string Clause() => random.Next(12) switch
        {
            0 or 1 or 2 => Tree(TagAtom, 2),
            3 => Tree(FrameworkAtom, 1),
            4 => Tree(MetaAtom, 1),
            5 => Tree(NameAtom, 1),
            6 => random.Next(3) switch { 0 => "published", 1 => "not published", _ => "draft" },
            7 or 8 => DateAtom(),
            9 => $"({TagAtom()} or {FrameworkAtom()})",
            10 => Tree(() => random.Next(2) == 0 ? TagAtom() : FrameworkAtom(), 1),
            _ => $"not ({Tree(TagAtom, 1)})",
        };

        private string Tree(Func<string> atom, int depth)
        {
            if (depth == 0 || random.Next(3) == 0)
            {
                return random.Next(4) == 0 ? "not " + atom() : atom();
            }
            var operands = Enumerable.Range(0, 2 + random.Next(2)).Select(_ => Tree(atom, depth - 1)).ToList();
            var joined = string.Join(random.Next(2) == 0 ? " and " : " or ", operands);
            return random.Next(5) == 0 ? $"not ({joined})" : $"({joined})";
        }

        private string TagAtom() => random.Next(5) == 0 ? $"tag != {Pick(Tags)}" : $"tag:{Pick(Tags)}";

        private string FrameworkAtom() => $"framework:{Pick(Frameworks.OfType<string>().ToArray())}";

        private string MetaAtom() => random.Next(3) switch
        {
            0 => $"meta.dataset {(random.Next(4) == 0 ? "!=" : "=")} \"{Pick(Datasets)}\"",
            1 => $"meta.epochs = {Pick(Epochs)}",
            _ => $"meta.train.split {(random.Next(4) == 0 ? "!=" : "=")} {Pick(Splits)}",
        };

        private string NameAtom() => random.Next(4) == 0
            ? $"name = \"{models[random.Next(models.Count)].Name}\""
            : $"name ~ \"{Pick(Regexes).Replace("\\", "\\\\", StringComparison.Ordinal)}\"";

        private string DateAtom()
        {
            var field = random.Next(3) == 0 ? "created" : "updated";
            var op = Pick([">", ">=", "<", "<=", "="]);
            var negate = random.Next(5) == 0 ? "not " : "";
            // A model's own instant (to test the inclusive ends), another instant, or a calendar day.
            var value = random.Next(3) switch
            {
                0 => "\"" + Iso(models[random.Next(models.Count)].Updated) + "\"",
                1 => "\"" + Iso(Start.AddMinutes(random.Next(60 * 24 * 70))) + "\"",
                _ => Start.AddDays(random.Next(70)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            };
            return $"{negate}{field} {op} {value}";
        }

        private static string Iso(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        private T Pick<T>(T[] values) => values[random.Next(values.Length)];
    }
}
