using Cairn.Protocol.Services;
using Cairn.Web.Api;
using Cairn.Web.Components.Models;
using Cairn.Web.Tasks;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.AspNetCore.WebUtilities;
using MudBlazor;

namespace Cairn.Web.Components.Pages.Tasks;

/// <summary>
/// A project's task table (ClearML's experiments table; <c>*</c> for every project): the view
/// lives in the URL, rows come a page at a time from <c>tasks.get_all_ex</c>, sorted and filtered
/// by the server, and every action is an API call.
/// </summary>
public sealed partial class TaskTable
{
    /// <summary>Rows asked for per page.</summary>
    public const int PageSize = 50;

    private static readonly TimeSpan SearchDebounce = TimeSpan.FromMilliseconds(300);

    private TaskTableState _state = new();
    private string? _loadedKey;
    private string? _loadedProject;
    private ProjectSummary? _project;
    private bool _notFound;
    private List<TaskListRow> _rows = [];
    private readonly HashSet<string> _selected = new(StringComparer.Ordinal);
    private int _pages;
    private bool _hasMore;
    // The prerender shows the loading state; rows are asked for once the circuit is up.
    private bool _loading = true;
    private bool _loaded;
    private bool _loadingMore;
    private int _loadVersion;
    private Exception? _error;
    private string _searchText = "";
    private CancellationTokenSource? _searchDebounce;
    private List<string>? _types;

    [Parameter]
    public string ProjectId { get; set; } = "*";

    private string Title => _project is null ? "All tasks" : $"{ProjectName.Base(_project.Name)} tasks";

    private string Route => ProjectId == "*" ? "*" : Uri.EscapeDataString(ProjectId);

    private List<TaskListRow> Selected => [.. _rows.Where(r => _selected.Contains(r.Id))];

    private bool? AllSelected => _selected.Count == 0 ? false : _rows.All(r => _selected.Contains(r.Id)) ? true : null;

    private string TaskUrl(TaskListRow row) => $"projects/{(ProjectId == "*" ? row.ProjectRoute : Route)}/tasks/{row.Id}";

    private static IReadOnlyList<FilterOption> StatusOptions { get; } =
        [.. TaskTableState.KnownStatuses.Select(s => new FilterOption(s, StatusLabel(s)))];

    private IReadOnlyList<FilterOption> TypeOptions =>
        [.. (_types ?? []).Union(_state.Types, StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(t => new FilterOption(t, t))];

    /// <summary>ClearML's UI names for the statuses (<c>in_progress</c> reads "Running").</summary>
    private static string StatusLabel(string status) => status switch
    {
        "created" => "Draft",
        "queued" => "Pending",
        "in_progress" => "Running",
        "stopped" => "Aborted",
        _ => char.ToUpperInvariant(status[0]) + status[1..].Replace('_', ' '),
    };

    private static int? Width(string column) => column switch
    {
        "type" => 120,
        "status" => 130,
        "user.name" => 140,
        "started" => 150,
        "last_update" => 130,
        "tags" => 180,
        _ => null,
    };

    protected override void OnInitialized() => Navigation.LocationChanged += OnLocationChanged;

    protected override Task OnParametersSetAsync() => SyncWithUrlAsync();

    private void OnLocationChanged(object? sender, LocationChangedEventArgs e) => _ = InvokeAsync(SyncWithUrlAsync);

    private void Apply(TaskTableState state) => Navigation.NavigateTo($"projects/{Route}/tasks{state.ToQueryString()}");

    /// <summary>Reads the view from the URL and reloads the rows when it changed.</summary>
    private async Task SyncWithUrlAsync()
    {
        var uri = Navigation.ToAbsoluteUri(Navigation.Uri);
        if (!uri.AbsolutePath.EndsWith("/tasks", StringComparison.Ordinal) || !RendererInfo.IsInteractive)
        {
            return; // Leaving the table, or prerendering (the circuit loads the rows once).
        }
        var state = TaskTableState.FromQuery(QueryHelpers.ParseQuery(uri.Query));
        var key = ProjectId + "|" + state.ToQueryString();
        if (key == _loadedKey)
        {
            return;
        }
        _loadedKey = key;
        // Back, forward or a link: the box shows the URL's search, unless it already means the same
        // (the user may have typed on since the navigation the debounce made).
        if (_state.WithSearch(_searchText).Search != state.Search)
        {
            CancelSearchDebounce();
            _searchText = state.Search ?? "";
        }
        _state = state;
        if (_loadedProject != ProjectId)
        {
            _loadedProject = ProjectId;
            _selected.Clear();
            _types = null;
            if (!await LoadProjectAsync())
            {
                _loading = false;
                StateHasChanged();
                return;
            }
        }
        await ReloadAsync(1);
    }

    private async Task<bool> LoadProjectAsync()
    {
        _notFound = false;
        _project = null;
        if (ProjectId == "*")
        {
            return true;
        }
        try
        {
            var found = await ProjectSummary.QueryAsync(Api, new GetAllProjectsRequest { Id = [ProjectId] });
            _notFound = found.Count == 0;
            _project = found.FirstOrDefault();
            return !_notFound;
        }
        catch (ApiException e)
        {
            // Forgetting the view makes the retry, or the next URL, look the project up again.
            _error = e;
            _loadedProject = null;
            _loadedKey = null;
            return false;
        }
    }

    /// <summary>Loads the first <paramref name="pages"/> pages of the view in one call.</summary>
    private async Task ReloadAsync(int pages)
    {
        if (_loadedProject is null)
        {
            await SyncWithUrlAsync();
            return;
        }
        var version = ++_loadVersion;
        _loading = true;
        _error = null;
        StateHasChanged();
        try
        {
            var size = pages * PageSize;
            var rows = await Api.GetTasksAsync(_state.ToRequest(ProjectId, 0, size));
            if (version != _loadVersion)
            {
                return; // A newer view was asked for meanwhile.
            }
            _rows = rows;
            _pages = pages;
            _hasMore = rows.Count >= size;
            _selected.IntersectWith(_rows.Select(r => r.Id));
        }
        catch (ApiException e)
        {
            if (version == _loadVersion)
            {
                _rows = [];
                _hasMore = false;
                _error = e;
            }
        }
        finally
        {
            if (version == _loadVersion)
            {
                _loading = false;
                _loaded = true;
            }
        }
        StateHasChanged();
    }

    private async Task LoadMoreAsync()
    {
        if (_loading || _loadingMore || !_hasMore)
        {
            return;
        }
        var version = _loadVersion;
        _loadingMore = true;
        try
        {
            var page = await Api.GetTasksAsync(_state.ToRequest(ProjectId, _pages, PageSize));
            if (version != _loadVersion)
            {
                return;
            }
            var known = _rows.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
            _rows.AddRange(page.Where(r => known.Add(r.Id)));
            _pages++;
            _hasMore = page.Count >= PageSize;
        }
        catch (ApiException e)
        {
            _error = e;
            _hasMore = false;
        }
        finally
        {
            _loadingMore = false;
        }
    }

    private async Task LoadTypesAsync()
    {
        if (_types is not null)
        {
            return;
        }
        try
        {
            _types = await Api.GetTaskTypesAsync(ProjectId);
        }
        catch (ApiException e)
        {
            _types = [];
            Snackbar.Add($"Could not list the task types: {e.Message}", Severity.Error);
        }
        StateHasChanged();
    }

    private async Task OnSearchTyped(string? text)
    {
        _searchText = text ?? "";
        CancelSearchDebounce();
        var debounce = _searchDebounce = new CancellationTokenSource();
        try
        {
            await Task.Delay(SearchDebounce, debounce.Token);
        }
        catch (OperationCanceledException)
        {
            return; // The user typed on.
        }
        var next = _state.WithSearch(_searchText);
        if (next.Search != _state.Search)
        {
            Apply(next);
        }
    }

    private void CancelSearchDebounce()
    {
        _searchDebounce?.Cancel();
        _searchDebounce?.Dispose();
        _searchDebounce = null;
    }

    private void Select(string id, bool on)
    {
        if (on)
        {
            _selected.Add(id);
        }
        else
        {
            _selected.Remove(id);
        }
    }

    private void SelectAll(bool? on)
    {
        if (on == true)
        {
            _selected.UnionWith(_rows.Select(r => r.Id));
        }
        else
        {
            _selected.Clear();
        }
    }

    private Task ArchiveAsync(IReadOnlyList<TaskListRow> tasks, bool archive) =>
        RunBatchAsync(archive ? "tasks.archive_many" : "tasks.unarchive_many", [.. tasks.Where(t => t.Archived != archive)], archive ? "Archived" : "Restored");

    private async Task DeleteAsync(IReadOnlyList<TaskListRow> tasks)
    {
        var archived = tasks.Where(t => t.Archived).ToList();
        if (archived.Count == 0)
        {
            return;
        }
        var what = archived.Count == 1 ? $"\"{archived[0].Name}\"" : $"{archived.Count} tasks";
        var confirmed = await Dialogs.ShowMessageBoxAsync("Delete for good",
            $"Delete {what} with their console, scalars, plots and artifacts? The models they made stay in the registry. This cannot be undone.",
            yesText: "Delete", cancelText: "Cancel");
        if (confirmed == true)
        {
            await RunBatchAsync("tasks.delete_many", archived, "Deleted");
        }
    }

    /// <summary>Runs a <c>tasks.*_many</c> call; its per-task refusals are reported with the API's own message.</summary>
    private async Task RunBatchAsync(string endpoint, IReadOnlyList<TaskListRow> tasks, string verb)
    {
        if (tasks.Count == 0)
        {
            return;
        }
        try
        {
            var outcome = await Api.RunTaskBatchAsync(endpoint, [.. tasks.Select(t => t.Id)]);
            if (outcome.Succeeded > 0)
            {
                Snackbar.Add($"{verb} {outcome.Succeeded} {(outcome.Succeeded == 1 ? "task" : "tasks")}", Severity.Success);
            }
            if (outcome.Failed > 0)
            {
                Snackbar.Add($"{outcome.Failed} could not be {verb.ToLowerInvariant()}: {outcome.FirstError}", Severity.Error);
            }
        }
        catch (ApiException e)
        {
            Snackbar.Add($"{verb} failed: {e.Message}", Severity.Error);
        }
        await ReloadAsync(Math.Max(_pages, 1));
    }

    public void Dispose()
    {
        Navigation.LocationChanged -= OnLocationChanged;
        CancelSearchDebounce();
    }
}
