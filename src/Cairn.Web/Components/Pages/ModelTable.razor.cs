using System.Text.Json.Nodes;
using Cairn.Web.Api;
using Cairn.Web.Components.Models;
using Cairn.Web.Models;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.JSInterop;
using MudBlazor;
using Cairn.Protocol.Services;

namespace Cairn.Web.Components.Pages;

/// <summary>
/// The model table of a project (<c>*</c> for all): its whole state lives in the URL, rows come
/// page by page from <c>models.get_all_ex</c>'s scroll, and every action is an API call.
/// </summary>
public sealed partial class ModelTable
{
    private const int PageSize = 30;
    private static readonly TimeSpan SearchDebounce = TimeSpan.FromMilliseconds(300);

    private ModelTableState _state = new();
    private string? _loadedKey;
    private string? _loadedProject;
    private ProjectSummary? _project;
    private bool _notFound;
    private List<ModelRow> _rows = [];
    private readonly HashSet<string> _selected = new(StringComparer.Ordinal);
    private string? _scrollId;
    private bool _hasMore;
    private bool _loading;
    private bool _loadingMore;
    private int _loadVersion;
    private Exception? _error;
    private string _searchText = "";
    private CancellationTokenSource? _searchDebounce;
    private string? _navigatingTo;
    private const string SnapshotKey = "cairn-model-table";

    // Well under the circuit's message limit (see CairnWeb), which the encrypted state must fit in.
    private const int MaxSnapshotChars = 192 * 1024;

    private List<string>? _frameworks;
    private List<(string Id, string Name)>? _projects;
    private bool _usersLoaded;
    private bool _tagsLoaded;
    private bool _columnChoicesLoaded;
    private readonly Dictionary<string, List<string>> _metadataValues = new(StringComparer.Ordinal);
    private PersistingComponentStateSubscription _persisting;
    private List<string> _metadataKeys = [];
    private List<(string Metric, string Variant)> _metricNames = [];
    private readonly Dictionary<string, string> _userNames = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _knownTags = new(StringComparer.Ordinal);
    private ElementReference _sentinel;
    private IJSObjectReference? _observer;
    private string? _observedSentinel;
    private DotNetObjectReference<ModelTable>? _self;

    [Parameter]
    public string ProjectId { get; set; } = "*";

    private string Title => _project is null ? "All models" : $"{ProjectName.Base(_project.Name)} models";

    private List<ModelRow> Selected => [.. _rows.Where(r => _selected.Contains(r.Id))];

    private string CompareUrl(IEnumerable<ModelRow> rows) =>
        $"projects/{Uri.EscapeDataString(ProjectId)}/models/compare?ids={string.Join(',', rows.Select(r => r.Id))}";

    private bool? AllSelected => _selected.Count == 0 ? false : _rows.All(r => _selected.Contains(r.Id)) ? true : null;

    protected override void OnInitialized()
    {
        Navigation.LocationChanged += OnLocationChanged;
        if (!RendererInfo.IsInteractive)
        {
            // The prerendered rows travel with the page, so the interactive render shows them without asking again.
            _persisting = AppState.RegisterOnPersisting(PersistSnapshot);
        }
    }

    /// <summary>What the prerender loaded, for the interactive render of the same view.</summary>
    private sealed record TableSnapshot(string Key, ProjectSummary? Project, bool NotFound, string Models, string? ScrollId, bool HasMore);

    private Task PersistSnapshot()
    {
        if (_loadedKey is not null && !_loading && _error is null)
        {
            var models = "[" + string.Join(",", _rows.Select(r => r.Document.ToJsonString())) + "]";
            if (models.Length > MaxSnapshotChars)
            {
                return Task.CompletedTask; // Wide rows (many metadata columns): the interactive render asks again.
            }
            AppState.PersistAsJson(SnapshotKey, new TableSnapshot(_loadedKey, _project, _notFound, models, _scrollId, _hasMore));
        }
        return Task.CompletedTask;
    }

    /// <summary>Takes over the prerender's rows when they are of <paramref name="key"/>'s view.</summary>
    private bool TryRestoreSnapshot(string key)
    {
        if (!RendererInfo.IsInteractive || !AppState.TryTakeFromJson<TableSnapshot>(SnapshotKey, out var snapshot) || snapshot is null || snapshot.Key != key)
        {
            return false;
        }
        _project = snapshot.Project;
        _notFound = snapshot.NotFound;
        _rows = JsonNode.Parse(snapshot.Models) is JsonArray models ? [.. models.OfType<JsonObject>().Select(ModelRow.FromDocument)] : [];
        _scrollId = snapshot.ScrollId;
        _hasMore = snapshot.HasMore;
        Learn(_rows);
        return true;
    }

    protected override Task OnParametersSetAsync() => SyncWithUrlAsync();

    private void OnLocationChanged(object? sender, LocationChangedEventArgs e) => _ = InvokeAsync(SyncWithUrlAsync);

    /// <summary>
    /// Watches the end of the table for scroll paging. The sentinel element is created anew whenever
    /// the table is (a not-found page in between removes it), and may already be gone by the time the
    /// browser runs the call, so the observer follows the element rather than the first render.
    /// </summary>
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (_revealColumn is { } added && RendererInfo.IsInteractive && _state.Columns.Contains(added))
        {
            _revealColumn = null;
            await JS.InvokeVoidAsync("cairn.revealColumn", added);
        }
        if (!RendererInfo.IsInteractive || _notFound || _sentinel.Id is null || _sentinel.Id == _observedSentinel)
        {
            return;
        }
        _observedSentinel = _sentinel.Id;
        await DisposeObserverAsync();
        _self ??= DotNetObjectReference.Create(this);
        _observer = await JS.InvokeAsync<IJSObjectReference?>("cairn.observeEnd", _sentinel, _self);
    }

    private string CurrentQuery() =>
        ModelTableState.FromQuery(QueryHelpers.ParseQuery(Navigation.ToAbsoluteUri(Navigation.Uri).Query)).ToQueryString();

    /// <summary>Reads the view from the URL and reloads the rows when it changed.</summary>
    private async Task SyncWithUrlAsync()
    {
        var uri = Navigation.ToAbsoluteUri(Navigation.Uri);
        if (!uri.AbsolutePath.EndsWith("/models", StringComparison.Ordinal))
        {
            return; // Leaving the table; the next page takes over.
        }
        var state = ModelTableState.FromQuery(QueryHelpers.ParseQuery(uri.Query));
        var key = ProjectId + "|" + state.ToQueryString();
        // While one of our own navigations is on its way, the URLs of earlier ones still arrive;
        // they are stale (the view already moved past them) and must not overwrite it. A change
        // of project is a navigation of its own and ends the wait.
        var ours = _navigatingTo is not null && _navigatingTo.StartsWith(ProjectId + "|", StringComparison.Ordinal);
        if (ours && key != _navigatingTo)
        {
            return;
        }
        _navigatingTo = null;
        if (key == _loadedKey)
        {
            return;
        }
        _loadedKey = key;
        var searchChanged = state.Search != _state.Search;
        _state = state;
        if (!ours && searchChanged)
        {
            // Back, forward or a pasted link: the box shows the URL's search. Our own navigations
            // leave it alone, since the user may have typed on since.
            CancelSearchDebounce();
            _searchText = state.Search ?? "";
        }
        if (_loadedProject != ProjectId)
        {
            _loadedProject = ProjectId;
            _selected.Clear();
            _frameworks = null;
            _metadataValues.Clear();
            _tagsLoaded = _columnChoicesLoaded = false;
            if (TryRestoreSnapshot(key))
            {
                if (_state.Filters.ContainsKey("project.name"))
                {
                    await EnsureProjectsAsync(); // The filter's chip names the projects.
                }
                return;
            }
            if (!await LoadProjectAsync())
            {
                StateHasChanged();
                return;
            }
        }
        await ReloadAsync();
        if (_state.Filters.ContainsKey("project.name"))
        {
            await EnsureProjectsAsync(); // The filter's chip names the projects.
        }
    }

    // ---- menu choices: asked for when a menu opens, never before the rows ----

    private async Task EnsureProjectsAsync()
    {
        if (_projects is not null)
        {
            return;
        }
        try
        {
            var projects = await MenuCallAsync("projects.get_all_ex",
                new GetAllProjectsRequest { OnlyFields = ["id", "name"], OrderBy = ["name"], Size = 500 });
            _projects = [.. (projects["projects"] as JsonArray ?? []).OfType<JsonObject>()
                .Select(p => (Json.String(p["id"]) ?? "", Json.String(p["name"]) ?? ""))
                .OrderBy(p => p.Item2, ProjectName.Comparer)];
        }
        catch (ApiException e)
        {
            Snackbar.Add($"Could not list the projects: {e.Message}", Severity.Error);
        }
    }

    /// <summary>
    /// A menu's list, asked for off the circuit's thread: over a large store a list can take a
    /// second (the SQLite provider runs queries synchronously), and the table must stay responsive meanwhile.
    /// </summary>
    private Task<JsonObject> MenuCallAsync<TRequest>(string endpoint, TRequest body) => Task.Run(() => Api.CallAsync(endpoint, body));

    /// <inheritdoc cref="MenuCallAsync{TRequest}(string, TRequest)"/>
    private Task<TResponse> MenuCallAsync<TRequest, TResponse>(string endpoint, TRequest body) => Task.Run(() => Api.CallAsync<TRequest, TResponse>(endpoint, body));

    private List<string?>? ScopeProjects => ProjectId == "*" ? null : [ProjectId];

    /// <summary>Loads the choices of a column's filter menu the first time it opens.</summary>
    private async Task LoadFilterChoicesAsync(string column)
    {
        try
        {
            switch (column)
            {
                case "framework" when _frameworks is null:
                    var frameworks = await MenuCallAsync<GetFrameworksRequest, FrameworksResponse>("models.get_frameworks", new GetFrameworksRequest { Projects = ScopeProjects });
                    _frameworks = [.. frameworks.Frameworks];
                    break;
                case "project.name":
                    await EnsureProjectsAsync();
                    break;
                case "tags" when !_tagsLoaded:
                    var tags = await MenuCallAsync<GetModelTagsRequest, TagsResponse>("projects.get_model_tags", new GetModelTagsRequest { Projects = ScopeProjects });
                    _knownTags.UnionWith(tags.Tags);
                    _tagsLoaded = true;
                    break;
                case var meta when ModelTableState.IsMetadataColumn(meta) && !_metadataValues.ContainsKey(meta):
                    var values = await MenuCallAsync<GetModelMetadataValuesRequest, MetadataValuesResponse>("projects.get_model_metadata_values",
                        new GetModelMetadataValuesRequest { Projects = ScopeProjects, Key = meta[5..], PageSize = 500 });
                    _metadataValues[meta] = [.. values.Values];
                    break;
                case "user.name" when !_usersLoaded:
                    var users = await MenuCallAsync("users.get_all", new GetAllUsersRequest { OnlyFields = ["id", "name"] });
                    foreach (var user in (users["users"] as JsonArray ?? []).OfType<JsonObject>())
                    {
                        if (Json.String(user["id"]) is { } id)
                        {
                            _userNames[id] = Json.String(user["name"]) ?? id;
                        }
                    }
                    _usersLoaded = true;
                    break;
            }
        }
        catch (ApiException e)
        {
            Snackbar.Add($"Could not load the filter's choices: {e.Message}", Severity.Error);
        }
    }

    private bool ChoicesLoaded(string column) => column switch
    {
        "framework" => _frameworks is not null,
        "project.name" => _projects is not null,
        "user.name" => _usersLoaded,
        _ when ModelTableState.IsMetadataColumn(column) => _metadataValues.ContainsKey(column),
        _ => true,
    };

    /// <summary>The column chooser's metadata keys and metric variants, from the whole project rather than the loaded rows.</summary>
    private async Task LoadColumnChoicesAsync()
    {
        if (_columnChoicesLoaded)
        {
            return;
        }
        try
        {
            var project = ProjectId == "*" ? null : ProjectId;
            var keys = await MenuCallAsync<GetModelMetadataKeysRequest, MetadataKeysResponse>("projects.get_model_metadata_keys",
                new GetModelMetadataKeysRequest { Project = project, IncludeSubprojects = true, PageSize = 500 });
            _metadataKeys = [.. keys.Keys];
            var metrics = await MenuCallAsync<GetUniqueMetricVariantsRequest, MetricVariantsResponse>("projects.get_unique_metric_variants",
                new GetUniqueMetricVariantsRequest { Project = project, IncludeSubprojects = true, ModelMetrics = true });
            _metricNames = [.. metrics.Metrics
                .Select(m => (m.Metric, m.Variant))
                .Distinct()
                .Order()];
            _columnChoicesLoaded = true;
        }
        catch (ApiException e)
        {
            Snackbar.Add($"Could not list metadata keys and metrics: {e.Message}", Severity.Error);
        }
    }

    private async Task<bool> LoadProjectAsync()
    {
        _notFound = false;
        _project = null;
        try
        {
            if (ProjectId != "*")
            {
                var found = await ProjectSummary.QueryAsync(Api, new GetAllProjectsRequest { Id = [ProjectId] });
                if (found.Count == 0)
                {
                    _notFound = true;
                    return false;
                }
                _project = found[0];
            }
        }
        catch (ApiException e)
        {
            // Shown in place (a following row query would clear it and show an empty table);
            // forgetting the view makes the retry, or the next URL, look the project up again.
            _error = e;
            _loadedProject = null;
            _loadedKey = null;
            return false;
        }
        return true;
    }

    private Task RetryAsync() => _loadedProject is null ? SyncWithUrlAsync() : ReloadAsync();

    /// <summary>Loads the first <paramref name="size"/> rows of the view, starting a new scroll.</summary>
    private async Task ReloadAsync(int size = PageSize)
    {
        var version = ++_loadVersion;
        _loading = true;
        _error = null;
        StateHasChanged();
        try
        {
            var body = _state.ToRequest(ProjectId);
            body.Size = size;
            // Present and empty starts a scroll (ClearML's UI sends null, which a typed request leaves
            // out; ClearML and Cairn read an empty scroll_id the same as null).
            body.ScrollId = "";
            var data = await Api.CallAsync("models.get_all_ex", body);
            if (version != _loadVersion)
            {
                return; // A newer view was asked for meanwhile.
            }
            _rows = [.. (data["models"] as JsonArray ?? []).OfType<JsonObject>().Select(ModelRow.FromDocument)];
            _scrollId = Json.String(data["scroll_id"]);
            _hasMore = _rows.Count >= size && _scrollId is not null;
            _selected.IntersectWith(_rows.Select(r => r.Id));
            Learn(_rows);
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
            }
        }
        StateHasChanged();
        await RecheckEndAsync();
    }

    /// <summary>
    /// Called by the browser when the end of the table came into view. The report may be stale
    /// (the rows of a reload arrived meanwhile), so the browser is asked again before loading.
    /// </summary>
    [JSInvokable]
    public async Task OnEndVisibleAsync()
    {
        if (_observer is not null && !_loading && !_loadingMore && _hasMore && await _observer.InvokeAsync<bool>("isNearEnd"))
        {
            await LoadMoreAsync();
        }
    }

    /// <summary>The next page of the scroll.</summary>
    private async Task LoadMoreAsync()
    {
        if (_loading || _loadingMore || !_hasMore || _scrollId is null)
        {
            return;
        }
        var version = _loadVersion;
        _loadingMore = true;
        StateHasChanged();
        try
        {
            var body = _state.ToRequest(ProjectId);
            body.Size = PageSize;
            body.ScrollId = _scrollId;
            var data = await Api.CallAsync("models.get_all_ex", body);
            if (version != _loadVersion)
            {
                return;
            }
            var page = (data["models"] as JsonArray ?? []).OfType<JsonObject>().Select(ModelRow.FromDocument).ToList();
            var known = _rows.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
            _rows.AddRange(page.Where(r => known.Add(r.Id)));
            _scrollId = Json.String(data["scroll_id"]) ?? _scrollId;
            _hasMore = page.Count >= PageSize;
            Learn(page);
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
        StateHasChanged();
        await RecheckEndAsync();
    }

    // On a tall screen the end may still be in view after a page: ask the observer to look again.
    private async Task RecheckEndAsync()
    {
        if (_observer is not null && _hasMore)
        {
            await _observer.InvokeVoidAsync("recheck");
        }
    }

    /// <summary>
    /// The loaded rows name users and tags too: the chips of active filters show names before
    /// the filter menus have asked the API for their lists.
    /// </summary>
    private void Learn(IEnumerable<ModelRow> rows)
    {
        foreach (var row in rows)
        {
            _knownTags.UnionWith(row.Tags);
            if (row.UserId is not null)
            {
                _userNames[row.UserId] = row.UserName ?? row.UserId;
            }
        }
    }

    /// <summary>Every change of view goes through the URL, so the back button and copied links see it too.</summary>
    private Task Apply(ModelTableState next, bool replace = false)
    {
        if (next.Archive != _state.Archive)
        {
            _selected.Clear();
        }
        var query = next.ToQueryString();
        if (_navigatingTo is null && query == CurrentQuery())
        {
            return Task.CompletedTask; // Already showing this view; no navigation means no LocationChanged to wait for.
        }
        // The URL catches up asynchronously; quick successive changes build on this one meanwhile,
        // and SyncWithUrlAsync skips the URLs of the earlier ones until this one arrives.
        _state = next;
        _navigatingTo = ProjectId + "|" + query;
        Navigation.NavigateTo($"projects/{Uri.EscapeDataString(ProjectId).Replace("%2A", "*", StringComparison.Ordinal)}/models{query}", replace: replace);
        // The rows are asked for now, not after the URL's round trip through the browser; when
        // the location change arrives, it finds its view loaded (or loading).
        _loadedKey = _navigatingTo;
        return ReloadAsync();
    }

    // ---- search ----

    /// <summary>
    /// The box's text is kept at every keystroke (so Enter and the regex toggle always see what is
    /// typed) and becomes the view's search once typing pauses for <see cref="SearchDebounce"/>.
    /// </summary>
    private void OnSearchTyped(string? text)
    {
        _searchText = text ?? "";
        CancelSearchDebounce();
        var debounce = _searchDebounce = new CancellationTokenSource();
        _ = ApplySearchAfterPauseAsync(debounce.Token);
    }

    private async Task ApplySearchAfterPauseAsync(CancellationToken cancel)
    {
        try
        {
            await Task.Delay(SearchDebounce, cancel);
        }
        catch (OperationCanceledException)
        {
            return; // More typing, Enter, Escape or the toggle came first.
        }
        await InvokeAsync(async () =>
        {
            if (cancel.IsCancellationRequested)
            {
                return;
            }
            var next = _state.WithSearch(_searchText, _state.SearchIsRegex);
            if (next.Search != _state.Search)
            {
                await Apply(next, replace: true);
            }
        });
    }

    private void CancelSearchDebounce()
    {
        _searchDebounce?.Cancel();
        _searchDebounce?.Dispose();
        _searchDebounce = null;
    }

    private Task OnSearchKeyDown(KeyboardEventArgs e)
    {
        if (e.Key == "Enter")
        {
            CancelSearchDebounce();
            return Apply(_state.WithSearch(_searchText, _state.SearchIsRegex));
        }
        if (e.Key == "Escape")
        {
            CancelSearchDebounce();
            _searchText = "";
            return Apply(_state.WithSearch(null, _state.SearchIsRegex));
        }
        return Task.CompletedTask;
    }

    private Task ToggleRegex(bool on)
    {
        CancelSearchDebounce();
        return Apply(_state.WithSearch(_searchText, on));
    }

    // ---- filters ----

    /// <summary>A column just added: scrolled into view once drawn, since it lands at the table's right end.</summary>
    private string? _revealColumn;

    private Task ToggleColumnAsync(string column, bool shown)
    {
        _revealColumn = shown ? column : null;
        return Apply(_state.WithColumn(column, shown));
    }

    /// <summary>
    /// ANY or ALL, as the tag filter last chose it: a filter with no tags left is dropped from the
    /// view (and the URL), but the mode stays for the next tag chosen.
    /// </summary>
    private bool _tagsMatchAll;

    private bool TagsMatchAll => _state.Filters.GetValueOrDefault("tags")?.All ?? _tagsMatchAll;

    private Task ApplyTagFilter(IReadOnlyList<string?> values, bool all)
    {
        _tagsMatchAll = all;
        return Apply(_state.WithFilter("tags", new ColumnFilter(values, all)));
    }

    private IReadOnlyList<string?> FilterValues(string column) => _state.Filters.GetValueOrDefault(column)?.Values ?? [];

    private IReadOnlyList<FilterOption> FilterOptions(string column) => column switch
    {
        "ready" => [new("true", "Published"), new("false", "Draft")],
        "framework" => [.. (_frameworks ?? []).Select(f => new FilterOption(f, f)), new FilterOption(null, "(none)")],
        "user.name" => [.. _userNames.Concat(FilterValues(column).OfType<string>().Where(id => !_userNames.ContainsKey(id)).Select(id => KeyValuePair.Create(id, id)))
            .OrderBy(u => u.Value, StringComparer.OrdinalIgnoreCase).Select(u => new FilterOption(u.Key, u.Value))],
        "project.name" => [.. (_projects ?? []).Select(p => new FilterOption(p.Id, p.Name))],
        _ when _metadataValues.TryGetValue(column, out var values) => [.. values.Select(v => new FilterOption(v, v))],
        _ => [],
    };

    private string FilterSummary(string column, ColumnFilter filter) => column switch
    {
        "ready" => string.Join(", ", filter.Values.Select(v => v == "true" ? "Published" : "Draft")),
        "user.name" => string.Join(", ", filter.Values.Select(v => v is not null && _userNames.TryGetValue(v, out var name) ? name : v)),
        "project.name" => string.Join(", ", filter.Values.Select(v => (_projects ?? []).FirstOrDefault(p => p.Id == v).Name ?? v)),
        "last_update" => $"{filter.Values.ElementAtOrDefault(0) ?? "…"} – {filter.Values.ElementAtOrDefault(1) ?? "…"}",
        "tags" => string.Join(filter.All ? " and " : " or ", filter.Values.Select(v => v switch
        {
            null => "no tags",
            _ when v.StartsWith(ModelTableState.ExcludedTagPrefix, StringComparison.Ordinal) => "not " + v[ModelTableState.ExcludedTagPrefix.Length..],
            _ => v,
        })),
        _ => string.Join(", ", filter.Values.Select(v => v ?? "(none)")),
    };

    // ---- selection ----

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

    // ---- actions ----

    private async Task PublishAsync(IReadOnlyList<ModelRow> models)
    {
        if (models.Count == 0)
        {
            return;
        }
        var what = models.Count == 1 ? $"\"{models[0].Name}\"" : $"{models.Count} models";
        var confirmed = await Dialogs.ShowMessageBoxAsync("Publish",
            $"{what} will be set to Published. Published models are read-only and cannot be reset; their creating tasks are published too.",
            yesText: "Publish", cancelText: "Cancel");
        if (confirmed == true)
        {
            await RunBatchAsync("models.publish_many", models, "Published");
        }
    }

    private Task ArchiveAsync(IReadOnlyList<ModelRow> models, bool archive) =>
        RunBatchAsync(archive ? "models.archive_many" : "models.unarchive_many",
            [.. models.Where(m => m.Archived != archive)], archive ? "Archived" : "Restored");

    private async Task DeleteAsync(IReadOnlyList<ModelRow> models)
    {
        var archived = models.Where(m => m.Archived).ToList();
        if (archived.Count == 0)
        {
            return;
        }
        var what = archived.Count == 1 ? $"\"{archived[0].Name}\"" : $"{archived.Count} models";
        var confirmed = await Dialogs.ShowMessageBoxAsync("Delete for good",
            $"Delete {what} and their stored weights? Tasks that use them will no longer find them. This cannot be undone.",
            yesText: "Delete", cancelText: "Cancel");
        if (confirmed == true)
        {
            await RunBatchAsync("models.delete_many", archived, "Deleted", force: true);
        }
    }

    private async Task TagAsync(IReadOnlyList<ModelRow> models, bool remove)
    {
        var known = remove ? models.SelectMany(m => m.Tags).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList() : [.. _knownTags];
        var parameters = new DialogParameters<TagsDialog>
        {
            { d => d.Remove, remove },
            { d => d.Count, models.Count },
            { d => d.Known, known },
        };
        var dialog = await Dialogs.ShowAsync<TagsDialog>(remove ? "Remove tag" : "Add tag", parameters);
        if (await dialog.Result is { Canceled: false, Data: string tag })
        {
            await RunAsync("models.update_tags", new UpdateTagsRequest
            {
                Ids = Ids(models),
                AddTags = remove ? null : [tag],
                RemoveTags = remove ? [tag] : null,
            }, remove ? $"Removed \"{tag}\"" : $"Tagged \"{tag}\"");
        }
    }

    private async Task MoveAsync(IReadOnlyList<ModelRow> models)
    {
        await EnsureProjectsAsync();
        var projects = _projects ?? [];
        var parameters = new DialogParameters<MoveDialog>
        {
            { d => d.Count, models.Count },
            { d => d.Projects, projects.Select(p => p.Name).ToList() },
        };
        var dialog = await Dialogs.ShowAsync<MoveDialog>("Move to project", parameters);
        if (await dialog.Result is { Canceled: false, Data: string target })
        {
            var existing = projects.FirstOrDefault(p => p.Name == target).Id;
            var body = new MoveModelsRequest { Ids = Ids(models), Project = existing, ProjectName = existing is null ? target : null };
            if (await RunAsync("models.move", body, $"Moved to {target}") && existing is null)
            {
                _projects = null; // A new project: list them again when next needed.
            }
        }
    }

    private async Task CopyAsync(string text)
    {
        await JS.InvokeVoidAsync("cairn.copy", text);
        Snackbar.Add("Copied to clipboard", Severity.Info);
    }

    private async Task ExportAsync()
    {
        var csv = ModelCsv.Write(_state.Columns, _rows);
        var name = _project is null ? "All" : ProjectName.Base(_project.Name);
        await JS.InvokeVoidAsync("cairn.download", $"Cairn {name} Models.csv", csv, "text/csv;charset=utf-8");
    }

    private static List<string?> Ids(IEnumerable<ModelRow> models) => [.. models.Select(m => m.Id)];

    /// <summary>Runs a <c>*_many</c> call; its per-model failures are reported with the API's own message.</summary>
    private async Task RunBatchAsync(string endpoint, IReadOnlyList<ModelRow> models, string verb, bool force = false)
    {
        if (models.Count == 0)
        {
            return;
        }
        try
        {
            var data = await Api.CallAsync(endpoint, new ModelIdsRequest { Ids = Ids(models), Force = force });
            var succeeded = (data["succeeded"] as JsonArray)?.Count ?? 0;
            var failed = (data["failed"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            if (succeeded > 0)
            {
                Snackbar.Add($"{verb} {succeeded} {(succeeded == 1 ? "model" : "models")}", Severity.Success);
            }
            if (failed.Count > 0)
            {
                var message = Json.String(failed[0]["error"]?["msg"]) ?? "refused";
                Snackbar.Add($"{failed.Count} could not be {verb.ToLowerInvariant()}: {message}", Severity.Error);
            }
        }
        catch (ApiException e)
        {
            Snackbar.Add($"{verb} failed: {e.Message}", Severity.Error);
        }
        await ReloadAsync(Math.Max(PageSize, _rows.Count));
    }

    private async Task<bool> RunAsync<TRequest>(string endpoint, TRequest body, string done)
    {
        var ok = false;
        try
        {
            await Api.CallAsync(endpoint, body);
            Snackbar.Add(done, Severity.Success);
            ok = true;
        }
        catch (ApiException e)
        {
            Snackbar.Add(e.Message, Severity.Error);
        }
        await ReloadAsync(Math.Max(PageSize, _rows.Count));
        return ok;
    }

    public async ValueTask DisposeAsync()
    {
        Navigation.LocationChanged -= OnLocationChanged;
        _persisting.Dispose();
        CancelSearchDebounce();
        await DisposeObserverAsync();
        _self?.Dispose();
    }

    private async Task DisposeObserverAsync()
    {
        if (_observer is null)
        {
            return;
        }
        var observer = _observer;
        _observer = null;
        try
        {
            await observer.InvokeVoidAsync("dispose");
            await observer.DisposeAsync();
        }
        catch (JSDisconnectedException)
        {
            // The browser is gone; nothing to clean up there.
        }
    }
}
