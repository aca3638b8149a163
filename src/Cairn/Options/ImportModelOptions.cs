using System.Text.Json.Nodes;

namespace Cairn;

/// <summary>
/// The arguments of <see cref="InputModel.ImportModelAsync(ImportModelOptions, Session.ClearMLSession?, CancellationToken)"/>
/// (ClearML's <c>InputModel.import_model</c>). A blank URL, or both <see cref="ConfigText"/> and
/// <see cref="ConfigDict"/>, are rejected when the options are built.
/// </summary>
public sealed record ImportModelOptions
{
    private readonly string? _configText;

    private readonly JsonObject? _configDict;

    /// <summary>Options to register the weights at <paramref name="weightsUrl"/> (a URL or a local path).</summary>
    /// <exception cref="ArgumentException"><paramref name="weightsUrl"/> is blank.</exception>
    public ImportModelOptions(string weightsUrl)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(weightsUrl);
        WeightsUrl = weightsUrl;
    }

    /// <summary>The weights URL or local path.</summary>
    public string WeightsUrl { get; }

    /// <summary>Design text.</summary>
    /// <exception cref="ArgumentException">Set together with <see cref="ConfigDict"/>.</exception>
    public string? ConfigText
    {
        get => _configText;
        init => _configText = value is not null && _configDict is not null ? throw Both() : value;
    }

    /// <summary>Design as a JSON object (stored as its JSON text).</summary>
    /// <exception cref="ArgumentException">Set together with <see cref="ConfigText"/>.</exception>
    public JsonObject? ConfigDict
    {
        get => _configDict;
        init => _configDict = value is not null && _configText is not null ? throw Both() : value;
    }

    /// <summary>Label → class index.</summary>
    public IReadOnlyDictionary<string, int>? LabelEnumeration { get; init; }

    /// <summary>The model's name; default: "Imported by &lt;experiment&gt;", or none.</summary>
    public string? Name { get; init; }

    /// <summary>The project (created when missing); default: the experiment's.</summary>
    public string? Project { get; init; }

    /// <summary>The model's tags.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>The model's comment.</summary>
    public string? Comment { get; init; }

    /// <summary>The weights are a zip package.</summary>
    public bool IsPackage { get; init; }

    /// <summary>Publish the new model.</summary>
    public bool CreateAsPublished { get; init; }

    /// <summary>The framework; inferred from the file name when null.</summary>
    public string? Framework { get; init; }

    /// <summary>The importing experiment (named in the comment; its project is the default); it does not own the model.</summary>
    public Experiment? Experiment { get; init; }

    private static ArgumentException Both() => new("Give ConfigText or ConfigDict, not both.", nameof(ConfigDict));
}
