using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Core.Errors;
using Cairn.Core.Events;

namespace Cairn.Store.Sql;

// The event stores' dialect-free parts: a batch's series keys and aggregates, and the scroll
// cursors of events and plots (both providers hand out and read the same scroll ids).

internal readonly record struct SeriesKey(bool IsModel, string Entity, string Type, string Metric, string Variant)
{
    public static SeriesKey Of(NewEvent e) => new(e.Entity.IsModel, e.Entity.Id, e.Type, e.Metric, e.Variant);
}

/// <summary>A batch's contribution to one series: count, sum, extremes, first and last point.</summary>
internal sealed class SeriesAggregate
{
    public long Count;
    public double Sum;
    public double? Min, Max, First, Last;
    public long? MinIter, MaxIter, FirstIter, LastIter, LastTimestamp;
    public string? XAxisLabel;

    public void Add(NewEvent e)
    {
        Count++;
        XAxisLabel = e.XAxisLabel ?? XAxisLabel;
        if (e.Type != EventTypes.Scalar)
        {
            return;
        }
        Sum += e.Value;
        if (Min is null || e.Value < Min)
        {
            (Min, MinIter) = (e.Value, e.Iteration);
        }
        if (Max is null || e.Value > Max)
        {
            (Max, MaxIter) = (e.Value, e.Iteration);
        }
        if (FirstIter is null || e.Iteration < FirstIter)
        {
            (First, FirstIter) = (e.Value, e.Iteration);
        }
        if (LastIter is null || (e.Iteration, e.Timestamp).CompareTo((LastIter.Value, LastTimestamp!.Value)) >= 0)
        {
            (Last, LastIter, LastTimestamp) = (e.Value, e.Iteration, e.Timestamp);
        }
    }
}

/// <summary>The sort key of the last event of a page: <c>timestamp_source_series_iter_seq</c>.</summary>
internal sealed record EventsCursor(long Timestamp, int Source, long Series, long Iteration, long Seq)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Timestamp}_{Source}_{Series}_{Iteration}_{Seq}");

    public static EventsCursor Parse(string cursor)
    {
        var parts = cursor.Split('_');
        var numbers = new long[parts.Length];
        if (parts.Length != 5 || !parts.Select((p, i) => long.TryParse(p, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out numbers[i])).All(ok => ok)
            || numbers[1] is not (0 or 1))
        {
            throw EventCursors.Invalid(cursor);
        }
        return new EventsCursor(numbers[0], (int)numbers[1], numbers[2], numbers[3], numbers[4]);
    }
}

/// <summary>The sort key of the last plot of a page, as base64url JSON <c>[metric, variant, iter, seq]</c>.</summary>
internal sealed record PlotsCursor(string Metric, string Variant, long Iteration, long Seq)
{
    public override string ToString() =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new object[] { Metric, Variant, Iteration, Seq }));

    public static PlotsCursor Parse(string cursor)
    {
        try
        {
            if (JsonNode.Parse(Base64Url.DecodeFromChars(cursor)) is JsonArray { Count: 4 } key
                && key[0] is JsonValue m && m.TryGetValue<string>(out var metric)
                && key[1] is JsonValue v && v.TryGetValue<string>(out var variant)
                && key[2] is JsonValue i && i.TryGetValue<long>(out var iteration)
                && key[3] is JsonValue q && q.TryGetValue<long>(out var seq))
            {
                return new PlotsCursor(metric, variant, iteration, seq);
            }
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            // Falls through to the one error below: a client's scroll id is not ours.
        }
        throw EventCursors.Invalid(cursor);
    }
}

/// <summary>The one error for a scroll id this server did not make.</summary>
internal static class EventCursors
{
    public static CairnException Invalid(string cursor) => CairnException.Validation($"invalid scroll_id '{cursor}'");
}
