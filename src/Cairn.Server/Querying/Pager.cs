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
        ApiCall call, GetAllRequest request, Func<EntityQuery, Task<QueryPage<T>>> query)
    {
        var paging = request.Paging;
        if (!paging.Scroll)
        {
            return ((await query(request.ToQuery(paging.Skip, paging.Take)).ConfigureAwait(false)).Rows, null);
        }

        var sessions = call.Service<IMetadataStore>().Sessions;
        var now = call.Service<TimeProvider>().GetUtcNow();
        var state = paging.ScrollId is null
            ? null
            : await sessions.GetScrollAsync(paging.ScrollId, now, call.Aborted).ConfigureAwait(false);
        // An unknown or expired scroll id starts a new scroll.
        var scrollId = state is null ? EntityId.New() : paging.ScrollId!;
        var start = state?.Position ?? 0;
        // Continue from the store's cursor when there is one (no re-reading of skipped rows);
        // a refresh re-reads from the start.
        var next = paging.RefreshScroll
            ? request.ToQuery(0, Math.Max(start, paging.Take))
            : state?.Cursor is { } cursor
                ? request.ToQuery(0, paging.Take) with { After = cursor }
                : request.ToQuery(start, paging.Take);
        var page = await query(next).ConfigureAwait(false);
        var position = (paging.RefreshScroll ? 0 : start) + page.Rows.Count;
        await sessions.SaveScrollAsync(scrollId, new ScrollState(position, page.Cursor), now + ScrollLifetime, call.Aborted).ConfigureAwait(false);
        return (page.Rows, scrollId);
    }
}
