using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Experiments;
using Cairn.Models;
using Cairn.Protocol;
using Cairn.Protocol.Services;

namespace Cairn;

public sealed partial class Experiment
{
    /// <summary>
    /// The experiment's models (ClearML's <c>task.models</c>): <c>Input</c> as registered;
    /// <c>Output</c> the models this experiment created, oldest first, then other models registered
    /// as its outputs, so <c>Output[^1]</c> is the latest. Read by <see cref="GetAsync"/> (empty
    /// after <see cref="InitAsync(ExperimentInitOptions, Session.ClearMLSession?, CancellationToken)"/>), kept current by this process's own calls (connecting an
    /// input model, creating or connecting an output model), and read again by
    /// <see cref="RefreshAsync"/> (to see what other processes did). Every model in it is loaded:
    /// its properties can be read without a call. An output model made in this process is listed
    /// as that same <see cref="OutputModel"/> object, so it shows its upload as it finishes.
    /// </summary>
    public ExperimentModels Models
    {
        get
        {
            lock (_modelsLock)
            {
                return _models;
            }
        }
    }

    /// <summary>Notes a model this process registered (<c>tasks.add_or_update_model</c>) or created for this experiment.</summary>
    internal void NoteModel(string type, string? name, Model model)
    {
        lock (_modelsLock)
        {
            _models = type == "input"
                ? _models with { Input = _models.Input.With(name ?? "Input Model", model, sameModelRenames: false) }
                : _models with { Output = _models.Output.With(name, model, sameModelRenames: true) };
        }
    }

    /// <summary>Reads the models of the task document <see cref="Data"/> (two <c>models.get_all</c> calls at most).</summary>
    private async Task LoadModelsAsync(CancellationToken cancellationToken)
    {
        var inputEntries = Entries("input");
        var outputEntries = Entries("output");

        var owned = new List<ModelDocument>();
        await foreach (var model in ModelWire.GetAllAsync(Session, new GetAllModelsRequest { Task = [Id], OrderBy = ["created"] }, null, cancellationToken).ConfigureAwait(false))
        {
            owned.Add(model);
        }
        var linkedIds = inputEntries.Concat(outputEntries).Select(e => e.ModelId)
            .Where(id => owned.All(m => m.Id != id)).Distinct().ToList();
        var linked = new Dictionary<string, ModelDocument>(StringComparer.Ordinal);
        if (linkedIds.Count > 0)
        {
            await foreach (var model in ModelWire.GetAllAsync(Session, new GetAllModelsRequest { Id = linkedIds }, null, cancellationToken).ConfigureAwait(false))
            {
                linked[model.Id!] = model;
            }
        }
        foreach (var model in owned)
        {
            linked[model.Id!] = model;
        }

        lock (_modelsLock)
        {
            // Objects this process holds (its OutputModels, connected InputModels) stay the listed ones, refreshed.
            var known = _models.Input.Concat(_models.Output).Where(m => m.Id.Length > 0)
                .GroupBy(m => m.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            Model Loaded(ModelDocument data)
            {
                if (known.TryGetValue(data.Id!, out var mine))
                {
                    mine.Refreshed(data);
                    return mine;
                }
                return Model.FromDocument(Session, data);
            }

            var input = inputEntries.Where(e => linked.ContainsKey(e.ModelId))
                .Select(e => (e.Name, Loaded(linked[e.ModelId]))).ToList();
            var output = new List<(string, Model)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var id in owned.Select(m => m.Id!).Concat(outputEntries.Select(e => e.ModelId)))
            {
                if (!linked.TryGetValue(id, out var model) || !seen.Add(id))
                {
                    continue;
                }
                var name = outputEntries.FirstOrDefault(e => e.ModelId == id).Name ?? $"Output Model #{output.Count}";
                output.Add((name, Loaded(model)));
            }
            _models = new ExperimentModels(new ModelList(input), new ModelList(output));
        }
    }

    /// <summary>
    /// Uploads <paramref name="modelPath"/> as a new output model of this experiment (ClearML's
    /// <c>task.update_output_model</c>): to <see cref="OutputUri"/>, else to the files server. A folder
    /// becomes a zip package. Returns the planned URL at once; the upload runs in the background
    /// (wait with <see cref="OutputModel.WaitForUploadsAsync"/> or by closing the experiment).
    /// </summary>
    /// <param name="modelPath">The weights file or folder; never deleted.</param>
    /// <param name="name">The entry name on the experiment (default: the file name without extension).</param>
    /// <param name="comment">The model's comment.</param>
    /// <param name="tags">The model's tags.</param>
    /// <param name="modelName">The model's name (default: "&lt;experiment&gt; - &lt;name&gt;", or the experiment's name).</param>
    /// <param name="iteration">The training iteration the weights are from.</param>
    /// <param name="cancellationToken">Cancels the calls made before the upload starts.</param>
    /// <exception cref="ArgumentException"><paramref name="modelPath"/> is empty or does not exist.</exception>
    /// <exception cref="InvalidOperationException">There is no output URI and no files server is configured.</exception>
    public async Task<string> UpdateOutputModelAsync(string modelPath, string? name = null, string? comment = null, IEnumerable<string>? tags = null,
        string? modelName = null, long? iteration = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        if (!File.Exists(modelPath) && !Directory.Exists(modelPath))
        {
            throw new ArgumentException($"'{modelPath}' given as modelPath does not exist.", nameof(modelPath));
        }
        var destination = OutputUri ?? Session.Settings.FilesHost?.AbsoluteUri.TrimEnd('/')
            ?? throw new InvalidOperationException($"Experiment {Id} has no output URI and no files server is configured.");
        var model = new OutputModel(this, name: modelName ?? (name is null ? Name : $"{Name} - {name}"), tags: tags, comment: comment);
        if (name is not null)
        {
            await model.ConnectAsync(this, name, cancellationToken).ConfigureAwait(false);
        }
        return await model.UpdateWeightsAsync(modelPath, uploadUri: destination, iteration: iteration, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Registers <paramref name="model"/> as an input of this experiment (see <see cref="InputModel.ConnectAsync"/>).</summary>
    /// <exception cref="ClearMLRequestException">A call failed.</exception>
    public Task ConnectAsync(InputModel model, string? name = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.ConnectAsync(this, name, cancellationToken);
    }

    /// <summary>Registers <paramref name="model"/> as an output of this experiment under <paramref name="name"/> (see <see cref="OutputModel.ConnectAsync"/>).</summary>
    /// <exception cref="ArgumentException">The model belongs to another experiment.</exception>
    public Task ConnectAsync(OutputModel model, string? name = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.ConnectAsync(this, name, cancellationToken);
    }

    /// <summary><c>tasks.add_or_update_model</c>: registers a model on this experiment under an entry name.</summary>
    internal async Task RegisterModelAsync(Model model, string name, string type, CancellationToken cancellationToken)
    {
        await Session.CallAsync("tasks.add_or_update_model", new AddOrUpdateTaskModelRequest { Task = Id, Name = name, Model = model.Id, Type = type }, cancellationToken).ConfigureAwait(false);
        NoteModel(type, name, model);
    }

    /// <summary>Copies labels and design to the experiment when it has none, as ClearML's SDK does on connect.</summary>
    internal async Task AdoptLabelsAndDesignAsync(IReadOnlyDictionary<string, int> labels, string design, bool overwriteLabels, CancellationToken cancellationToken)
    {
        await ReloadAsync(cancellationToken).ConfigureAwait(false);
        if (labels.Count > 0 && (overwriteLabels || Labels.Count == 0))
        {
            var execution = _data.Execution is { } e ? (JsonObject)e.DeepClone() : [];
            execution["model_labels"] = InputModel.LabelsJson(labels);
            await Session.CallAsync("tasks.edit", new EditTaskRequest { Task = Id, Force = true, Execution = execution }, cancellationToken).ConfigureAwait(false);
        }
        var configuration = _data.Configuration;
        if (!string.IsNullOrEmpty(design) && configuration?["General"] is null)
        {
            var updated = configuration is null ? [] : (JsonObject)configuration.DeepClone();
            updated["General"] = JsonSerializer.SerializeToNode(
                new ParamItemDto { Name = "General", Value = design, Type = "legacy", Description = "" }, ClearmlJson.TypeInfo<ParamItemDto>());
            await Session.CallAsync("tasks.edit", new EditTaskRequest { Task = Id, Force = true, Configuration = updated }, cancellationToken).ConfigureAwait(false);
        }
        await ReloadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends a line to the experiment's comment (ClearML notes each connected input model this way).</summary>
    internal async Task AppendCommentLineAsync(string line, CancellationToken cancellationToken)
    {
        var data = await Session.CallAsync<GetAllTasksResponse>("tasks.get_all", new GetAllTasksRequest { Id = [Id], OnlyFields = ["comment"] }, cancellationToken).ConfigureAwait(false);
        var comment = data.Tasks?.FirstOrDefault()?.Comment ?? "";
        if (comment.Split('\n').Contains(line))
        {
            return;
        }
        var updated = comment.Length == 0 ? line : comment.TrimEnd('\n') + "\n" + line;
        await Session.CallAsync("tasks.edit", new EditTaskRequest { Task = Id, Force = true, Comment = updated }, cancellationToken).ConfigureAwait(false);
    }

    private List<(string Name, string ModelId)> Entries(string type) =>
        [.. ((type == "input" ? _data.Models?.Input : _data.Models?.Output) ?? [])
            .Where(e => e.Model is not null)
            .Select(e => (e.Name ?? "", e.Model!))];

}
