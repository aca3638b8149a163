using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Testing;

namespace Cairn.Server.Tests.Events;

/// <summary>The events calls the tests share, made over HTTP as the ClearML SDK makes them.</summary>
internal static class EventsApi
{
    public const long SingleValueIter = -2147483648;

    /// <summary><c>events.add_batch</c> with a json-lines body, one event per line.</summary>
    public static Task<ApiResponse> AddBatchAsync(this ApiClient client, params object[] events)
    {
        var body = new StringBuilder();
        foreach (var e in events)
        {
            body.Append(JsonSerializer.Serialize(e)).Append('\n');
        }
        return client.SendAsync("v2.23/events.add_batch", body.ToString(), "application/json-lines");
    }

    public static object Scalar(string task, long iter, double value, string metric = "loss", string variant = "train", bool model = false, long? timestamp = null) =>
        new Dictionary<string, object?>
        {
            ["timestamp"] = timestamp ?? 1_700_000_000_000 + iter,
            ["type"] = "training_stats_scalar",
            ["task"] = task,
            ["iter"] = iter,
            ["metric"] = metric,
            ["variant"] = variant,
            ["value"] = value,
            ["allow_locked"] = false,
            ["model_event"] = model,
        };

    public static object Log(string task, string msg, long timestamp) =>
        new { timestamp, type = "log", task, level = "info", worker = "w1", msg, allow_locked = false, model_event = false };

    public static object Plot(string task, long iter, string plot, string metric = "plots", string variant = "roc", bool model = false) =>
        new { timestamp = 1_700_000_000_000 + iter, type = "plot", task, iter, metric, variant, plot_str = plot, model_event = model };

    public static object Image(string task, long iter, string metric, string variant) =>
        new { timestamp = 1_700_000_000_000 + iter, type = "training_debug_image", task, iter, metric, variant, key = $"{metric}/{variant}", url = $"http://files/{metric}/{variant}/{iter}.png" };

    public static object Vector(string task, long iter, double[] values, string metric = "hist", string variant = "weights") =>
        new { timestamp = 1_700_000_000_000 + iter, type = "training_stats_vector", task, iter, metric, variant, values };

    public static async Task<string> CreateModelAsync(this ApiClient client, bool ready = false)
    {
        var data = (await client.CallAsync("models.create", new { name = $"events model {Guid.NewGuid():N}", uri = "s3://b/m.bin", ready })).Ok();
        return data["id"]!.GetValue<string>();
    }

    public static async Task<JsonObject> GetModelAsync(this ApiClient client, string id) =>
        (await client.CallAsync("models.get_by_id", new { model = id })).Ok()["model"]!.AsObject();
}
