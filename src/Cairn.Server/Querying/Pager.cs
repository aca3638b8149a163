using Cairn.Core;
using Cairn.Core.Querying;
using Cairn.Core.Storage;
using Cairn.Server.Api;

namespace Cairn.Server.Querying;

/// <summary>Runs a <c>get_all</c> query as a page or as the next step of a scroll kept in the store.</summary>
public static class Pager
{
    /// <summary>How long an idle scroll is kept (ClearML keeps its Redis state for 600 s).</summary>
    public static readonly TimeSpan ScrollLifetime = TimeSpan.FromSeconds(600);

    public static async Task<(IReadOnlyList<T> Rows, string? ScrollId)> RunAsync<T>(
        ApiCall call, GetAllRequest request, Func<EntityQuery, Task<IReadOnlyList<T>>> query)
    {
        var paging = request.Paging;
        if (!paging.Scroll)
        {
            return (await query(request.ToQuery(paging.Skip, paging.Take)).ConfigureAwait(false), null);
        }

        var sessions = call.Service<IMetadataStore>().Sessions;
        var now = call.Service<TimeProvider>().GetUtcNow();
        var position = paging.ScrollId is null
            ? null
            : await sessions.GetScrollPositionAsync(paging.ScrollId, now, call.Aborted).ConfigureAwait(false);
        // An unknown or expired scroll id starts a new scroll.
        var scrollId = position is null ? EntityId.New() : paging.ScrollId!;
        var start = position ?? 0;
        var (skip, take) = paging.RefreshScroll ? (0, Math.Max(start, paging.Take)) : (start, paging.Take);
        var rows = await query(request.ToQuery(skip, take)).ConfigureAwait(false);
        await sessions.SaveScrollPositionAsync(scrollId, skip + rows.Count, now + ScrollLifetime, call.Aborted).ConfigureAwait(false);
        return (rows, scrollId);
    }
}
