using System.Collections;

namespace Cairn.Experiments;

/// <summary>
/// An experiment's input or output models in order, also addressable by their entry name
/// (ClearML's <c>ModelsList</c>): <c>list[^1]</c> is the latest, <c>list["best"]</c> the one named "best".
/// A list never changes: the experiment replaces it with a new one when its models change.
/// </summary>
public sealed class ModelList : IReadOnlyList<Model>
{
    private readonly List<(string Name, Model Model)> _entries;

    internal ModelList(List<(string Name, Model Model)> entries) => _entries = entries;

    /// <summary>The empty list.</summary>
    public static ModelList Empty { get; } = new([]);

    /// <summary>The model at <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">There is no model at <paramref name="index"/>.</exception>
    public Model this[int index] => _entries[index].Model;

    /// <summary>The model registered under entry name <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No model has that entry name.</exception>
    public Model this[string name] => Get(name) ?? throw new KeyNotFoundException($"No model is registered under the name '{name}'.");

    /// <summary>The entry names, in order.</summary>
    public IReadOnlyList<string> Names => [.. _entries.Select(e => e.Name)];

    /// <inheritdoc />
    public int Count => _entries.Count;

    /// <summary>The model registered under <paramref name="name"/>; null when none is.</summary>
    public Model? Get(string name) => _entries.FirstOrDefault(e => e.Name == name).Model;

    /// <inheritdoc />
    public IEnumerator<Model> GetEnumerator() => _entries.Select(e => e.Model).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// This list with <paramref name="model"/> under <paramref name="name"/>, as the server's
    /// <c>tasks.add_or_update_model</c> records it: with <paramref name="sameModelRenames"/> (outputs,
    /// listed once created and named when registered) an entry of the same model is renamed in
    /// place; else an entry of the same name is replaced in place, else the model is appended.
    /// A null name keeps an existing entry's name, or makes ClearML's <c>Output Model #n</c>.
    /// </summary>
    internal ModelList With(string? name, Model model, bool sameModelRenames)
    {
        var entries = new List<(string Name, Model Model)>(_entries);
        var index = !sameModelRenames || model.Id.Length == 0 ? -1 : entries.FindIndex(e => e.Model.Id == model.Id);
        if (index >= 0)
        {
            var sameName = name is null ? -1 : entries.FindIndex(e => e.Name == name);
            entries[index] = (name ?? entries[index].Name, model);
            if (sameName >= 0 && sameName != index)
            {
                entries.RemoveAt(sameName);
            }
            return new ModelList(entries);
        }
        index = name is null ? -1 : entries.FindIndex(e => e.Name == name);
        if (index >= 0)
        {
            entries[index] = (name!, model);
        }
        else
        {
            entries.Add((name ?? $"Output Model #{entries.Count}", model));
        }
        return new ModelList(entries);
    }
}

/// <summary>An experiment's models: <see cref="Input"/> and <see cref="Output"/> (ClearML's <c>task.models</c>).</summary>
/// <param name="Input">The models the experiment uses, as registered.</param>
/// <param name="Output">The models the experiment created (oldest first) followed by other models registered as its outputs.</param>
public sealed record ExperimentModels(ModelList Input, ModelList Output)
{
    /// <summary>No models.</summary>
    public static ExperimentModels Empty { get; } = new(ModelList.Empty, ModelList.Empty);
}
