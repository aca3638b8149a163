using System.Collections;

namespace Cairn.Experiments;

/// <summary>
/// An experiment's input or output models in order, also addressable by their entry name
/// (ClearML's <c>ModelsList</c>): <c>list[^1]</c> is the latest, <c>list["best"]</c> the one named "best".
/// </summary>
public sealed class ModelList : IReadOnlyList<Model>
{
    private readonly List<(string Name, Model Model)> _entries;

    internal ModelList(List<(string Name, Model Model)> entries) => _entries = entries;

    /// <summary>The model at <paramref name="index"/>.</summary>
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
}

/// <summary>An experiment's models: <see cref="Input"/> and <see cref="Output"/> (ClearML's <c>task.models</c>).</summary>
/// <param name="Input">The models the experiment uses, as registered.</param>
/// <param name="Output">The models the experiment created (oldest first) followed by other models registered as its outputs.</param>
public sealed record ExperimentModels(ModelList Input, ModelList Output);
