using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Protocol;
using Cairn.Protocol.Services;

namespace Cairn.Web.Api;

/// <summary>One debug image a task reported (<c>Logger.report_image</c>): where it is stored, under which metric, variant and iteration.</summary>
public sealed record DebugImage(string Metric, string Variant, long Iteration, string? Url, long Timestamp);

/// <summary>A page of debug images, newest iteration first, and the scroll that goes on to earlier ones.</summary>
public sealed record DebugImagePage(IReadOnlyList<DebugImage> Images, string? ScrollId);

public static class DebugImagesApi
{
    /// <summary>Iterations read per page: the latest ones first, earlier ones on demand.</summary>
    public const int IterationsPerPage = 5;

    /// <summary>
    /// The debug images of the task's latest <see cref="IterationsPerPage"/> iterations, of every
    /// metric, or the ones before the last page when <paramref name="scrollId"/> is given.
    /// </summary>
    public static async Task<DebugImagePage> GetDebugImagesAsync(this CairnApi api, string taskId, string? scrollId = null, CancellationToken cancellationToken = default)
    {
        var request = new DebugImagesRequest
        {
            Metrics = [new TaskMetricDto { Task = taskId }],
            Iters = IterationsPerPage,
            NavigateEarlier = true,
            ScrollId = scrollId,
        };
        var body = JsonSerializer.SerializeToNode(request, ClearmlJson.TypeInfo<DebugImagesRequest>()) as JsonObject ?? [];
        var data = await api.CallAsync("events.debug_images", body, cancellationToken).ConfigureAwait(false);
        var images = new List<DebugImage>();
        foreach (var metric in (data["metrics"] as JsonArray ?? []).OfType<JsonObject>())
        {
            foreach (var iteration in (metric["iterations"] as JsonArray ?? []).OfType<JsonObject>())
            {
                foreach (var e in (iteration["events"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    images.Add(new DebugImage(Json.String(e["metric"]) ?? "", Json.String(e["variant"]) ?? "",
                        Json.Long(e["iter"]), Json.String(e["url"]), Json.Long(e["timestamp"])));
                }
            }
        }
        return new DebugImagePage(images, Json.String(data["scroll_id"]));
    }
}
