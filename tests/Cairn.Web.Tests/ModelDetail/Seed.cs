using System.Text.Json.Nodes;
using Cairn.Testing;

namespace Cairn.Web.Tests.ModelDetail;

/// <summary>Models, tasks and events seeded through the API, the way the SDK would create them.</summary>
public static class Seed
{
    public static string Unique(string name) => $"{name} {Guid.NewGuid().ToString("N")[..6]}";

    public static async Task<string> TaskAsync(ApiClient api, string project, string name)
    {
        var body = new JsonObject { ["name"] = name, ["type"] = "training", ["project"] = project };
        return (await api.CallAsync("tasks.create", body)).Ok()["id"]!.GetValue<string>();
    }

    /// <summary>A draft model with a design, labels and metadata, made by <paramref name="task"/> when given.</summary>
    public static async Task<string> ModelAsync(ApiClient api, string project, string name, string? task = null,
        string design = "layers: 3\nactivation: relu\n", JsonObject? labels = null, string? parent = null)
    {
        var body = new JsonObject
        {
            ["name"] = name,
            ["project"] = project,
            ["uri"] = $"https://example.com/models/{Uri.EscapeDataString(name)}.pt",
            ["framework"] = "PyTorch",
            ["design"] = new JsonObject { ["design"] = design },
            ["labels"] = labels ?? new JsonObject { ["background"] = 0, ["cat"] = 1, ["dog"] = 2 },
            ["metadata"] = new JsonObject
            {
                ["dataset"] = new JsonObject { ["key"] = "dataset", ["type"] = "str", ["value"] = "imagenet-v3" },
                ["cairn.sha256"] = new JsonObject { ["key"] = "cairn.sha256", ["type"] = "str", ["value"] = new string('a', 64) },
                ["cairn.size"] = new JsonObject { ["key"] = "cairn.size", ["type"] = "int", ["value"] = "1536" },
            },
            ["ready"] = false,
        };
        if (task is not null)
        {
            body["task"] = task;
        }
        if (parent is not null)
        {
            body["parent"] = parent;
        }
        return (await api.CallAsync("models.create", body)).Ok()["id"]!.GetValue<string>();
    }

    /// <summary>Registers <paramref name="model"/> as an input (or output) model of <paramref name="task"/>.</summary>
    public static async Task LinkAsync(ApiClient api, string task, string model, string name, bool output = false)
    {
        var body = new JsonObject { ["task"] = task, ["model"] = model, ["name"] = name, ["type"] = output ? "output" : "input" };
        (await api.CallAsync("tasks.add_or_update_model", body)).Ok();
    }

    /// <summary>Scalars reported on the model itself (<c>model_event</c>), one event per point.</summary>
    public static async Task ScalarsAsync(ApiClient api, string model, string metric, string variant, params (long Iteration, double Value)[] points)
    {
        foreach (var (iteration, value) in points)
        {
            var body = new JsonObject
            {
                ["type"] = "training_stats_scalar",
                ["model_event"] = true,
                ["model"] = model,
                ["metric"] = metric,
                ["variant"] = variant,
                ["iter"] = iteration,
                ["value"] = value,
                ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            };
            (await api.CallAsync("events.add", body)).Ok();
        }
    }

    public static async Task PlotAsync(ApiClient api, string model, string metric, string variant, JsonObject figure)
    {
        var body = new JsonObject
        {
            ["type"] = "plot",
            ["model_event"] = true,
            ["model"] = model,
            ["metric"] = metric,
            ["variant"] = variant,
            ["iter"] = 0,
            ["plot_str"] = figure.ToJsonString(),
            ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };
        (await api.CallAsync("events.add", body)).Ok();
    }
}
