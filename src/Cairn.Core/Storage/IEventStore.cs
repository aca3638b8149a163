namespace Cairn.Core.Storage;

/// <summary>Task and model events (api.md §5.4): scalars, plots, logs, one row per point.</summary>
public interface IEventStore
{
}
