namespace Cairn.Experiments;

/// <summary>
/// Where an experiment uploads its models and artifacts, as ClearML's <c>output_uri</c> argument:
/// <c>true</c> (<see cref="FilesServer"/>) means the project default, else the configured default,
/// else the files server; a string is that URI; <c>false</c> means none; <c>default</c> means the
/// project default, else the configured default, else none. Converts implicitly from
/// <see cref="bool"/> and <see cref="string"/>, so <c>outputUri: true</c> reads as in Python.
/// </summary>
public readonly record struct OutputDestination
{
    private OutputDestination(OutputDestinationKind kind, string? uri)
    {
        Kind = kind;
        Uri = uri;
    }

    /// <summary>Which rule applies.</summary>
    public OutputDestinationKind Kind { get; }

    /// <summary>The URI when <see cref="Kind"/> is <see cref="OutputDestinationKind.Uri"/>.</summary>
    public string? Uri { get; }

    /// <summary>ClearML's <c>output_uri=True</c>.</summary>
    public static OutputDestination FilesServer => new(OutputDestinationKind.FilesServer, null);

    /// <summary>ClearML's <c>output_uri=False</c>: nothing is uploaded by default.</summary>
    public static OutputDestination None => new(OutputDestinationKind.None, null);

    /// <summary>A given URI (<c>http(s)://</c>, <c>file://</c> or a local folder, <c>s3://</c>, <c>gs://</c>, <c>azure://</c>).</summary>
    /// <exception cref="ArgumentException">The URI is empty.</exception>
    public static OutputDestination FromUri(string uri)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        return new(OutputDestinationKind.Uri, uri);
    }

    /// <summary><c>true</c> → <see cref="FilesServer"/>, <c>false</c> → <see cref="None"/>.</summary>
    public static implicit operator OutputDestination(bool upload) => upload ? FilesServer : None;

    /// <summary>A URI; null → the default rule.</summary>
    public static implicit operator OutputDestination(string? uri) => uri is null ? default : FromUri(uri);
}

/// <summary>The rules of <see cref="OutputDestination"/>.</summary>
public enum OutputDestinationKind
{
    /// <summary>Project default, else configured default, else none (ClearML's <c>None</c>).</summary>
    Default,

    /// <summary>Project default, else configured default, else the files server (ClearML's <c>True</c>).</summary>
    FilesServer,

    /// <summary>No destination (ClearML's <c>False</c>).</summary>
    None,

    /// <summary>A given URI.</summary>
    Uri,
}
