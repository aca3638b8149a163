using System.Collections.Concurrent;
using System.Security.Cryptography;
using Amazon.S3.Model;
using Xunit;

namespace Cairn.Tests.Replicas;

/// <summary>
/// Three real server processes on one PostgreSQL database and one S3 bucket (s3rver), as behind a
/// load balancer: the SDK's workflow runs with every request, API and file server alike, sent to
/// the next replica in turn, and every replica then gives the same answers.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class ReplicaWorkflowTests(ReplicaCluster cluster)
{
    private const int ReplicaCount = ReplicaCluster.ReplicaCount;

    private string WriteWeights(string name, int size, int seed)
    {
        var path = Path.Combine(cluster.WorkDir, "weights", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public async Task The_sdk_workflow_spread_over_three_replicas_gives_the_same_answers_on_every_replica()
    {
        var project = $"replicas-{Guid.NewGuid():N}"[..17];
        var (session, router) = cluster.RoundRobinSession("writer");
        await using var _ = session;

        // Register: an experiment and five output models with weights (one file name each: they share the task's folder), metadata, tags and scalars.
        var experiment = await Experiment.InitAsync(project, "replica run", outputUri: true, session: session);
        var weights = new Dictionary<string, string>();
        var models = new List<OutputModel>();
        for (var i = 0; i < 5; i++)
        {
            var model = new OutputModel(experiment, name: $"model {i}", tags: [i % 2 == 0 ? "even" : "odd"], framework: Framework.PyTorch);
            var path = WriteWeights($"model-{i}.pt", 200_000 + (i * 1_000), seed: i);
            await model.UpdateWeightsAsync(path, iteration: i);
            models.Add(model);
            weights[$"model {i}"] = path;
        }
        await OutputModel.WaitForUploadsAsync();
        for (var i = 0; i < models.Count; i++)
        {
            await models[i].SetMetadataAsync("rank", i, "int");
            for (var iteration = 1; iteration <= 20; iteration++)
            {
                models[i].ReportScalar("loss", "train", 1.0 / (iteration + i), iteration);
            }
            await models[i].FlushReportsAsync(CancellationToken.None);
        }
        await models[0].PublishAsync();
        await models[3].PublishAsync();
        await experiment.CloseAsync();

        // Query: the same answers whichever replica each page and filter went to.
        for (var round = 0; round < ReplicaCount; round++)
        {
            var all = await Model.QueryModelsAsync(project, session: session);
            Assert.Equal(["model 4", "model 3", "model 2", "model 1", "model 0"], all.Select(m => m.Name));
            var published = await Model.QueryModelsAsync(project, onlyPublished: true, session: session);
            Assert.Equal(["model 3", "model 0"], published.Select(m => m.Name));
            var even = await Model.QueryModelsAsync(project, tags: ["even"], session: session);
            Assert.Equal(["model 4", "model 2", "model 0"], even.Select(m => m.Name));
            var third = await Model.QueryModelsAsync(project, metadata: new Dictionary<string, string> { ["rank"] = "2" }, session: session);
            Assert.Equal("model 2", Assert.Single(third).Name);
        }

        // Download: a reader with its own cache gets every model's bytes, from whichever replica.
        var (reader, readerRouter) = cluster.RoundRobinSession("reader");
        await using (reader)
        {
            foreach (var model in await Model.QueryModelsAsync(project, session: reader))
            {
                var copy = await model.GetLocalCopyAsync();
                Assert.Equal(SHA256.HashData(File.ReadAllBytes(weights[model.Name])), SHA256.HashData(File.ReadAllBytes(copy)));
            }

            // Input model: another experiment, through other replicas, uses a published model.
            var consumer = await Experiment.InitAsync(project, "consumer run", session: reader);
            var input = await InputModel.GetAsync(models[3].Id, reader);
            await consumer.ConnectAsync(input);
            await consumer.CloseAsync();
            Assert.True(readerRouter.FilesCalls.Count(c => c.Value > 0) >= 2, $"downloads reached only {Describe(readerRouter.FilesCalls)}");
        }

        // Every request was spread: each replica served API calls and file uploads.
        Assert.All(cluster.Replicas, r => Assert.True(router.ApiCalls.GetValueOrDefault(r.ApiPort) > 10, $"API calls per replica: {Describe(router.ApiCalls)}"));
        Assert.True(router.FilesCalls.Count(c => c.Value > 0) >= 2, $"uploads reached only {Describe(router.FilesCalls)}");

        // Every replica answers the same: the documents, the scalars and the task's models.
        var ids = models.Select(m => m.Id).ToArray();
        var answers = new List<string>();
        foreach (var replica in cluster.Replicas)
        {
            using var client = replica.Client();
            var documents = (await client.CallAsync("models.get_all", new { id = ids, order_by = new[] { "name" } })).Ok()["models"]!.AsArray();
            Assert.Equal(5, documents.Count);
            // The weights' URLs name the load balancer's address, not the replica that took the upload.
            Assert.All(documents, d => Assert.StartsWith(RoundRobinHandler.FilesHost.AbsoluteUri, d!["uri"]!.GetValue<string>(), StringComparison.Ordinal));
            var histogram = (await client.CallAsync("events.scalar_metrics_iter_histogram", new { task = ids[2], model_events = true })).Ok();
            Assert.Equal(20, histogram["loss"]!["train"]!["x"]!.AsArray().Count);
            var consumerTask = (await client.CallAsync("tasks.get_all", new { project = new[] { experiment.ProjectId }, name = "^consumer run$" })).Ok()["tasks"]!.AsArray().Single()!;
            Assert.Equal(models[3].Id, consumerTask["models"]!["input"]![0]!["model"]!.GetValue<string>());
            var producer = (await client.CallAsync("tasks.get_by_id", new { task = experiment.Id })).Ok()["task"]!;
            Assert.Equal(5, producer["models"]!["output"]!.AsArray().Count);
            answers.Add(string.Join("\n", documents.ToJsonString(), histogram.ToJsonString(), consumerTask["models"]!.ToJsonString(), producer["models"]!.ToJsonString()));
        }
        Assert.All(answers, a => Assert.Equal(answers[0], a));

        // The weights are in the one bucket, once each.
        using var s3 = ReplicaCluster.S3();
        var objects = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = cluster.Bucket, Prefix = "files/" });
        Assert.Equal(5, objects.S3Objects.Count(o => o.Key.EndsWith(".pt", StringComparison.Ordinal)));
    }

    private static string Describe(ConcurrentDictionary<int, int> calls) => string.Join(", ", calls.Select(c => $"{c.Key}: {c.Value}"));
}
