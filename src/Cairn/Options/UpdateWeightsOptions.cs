using Cairn.Storage;

namespace Cairn;

/// <summary>
/// The arguments of <see cref="OutputModel.UpdateWeightsAsync(UpdateWeightsOptions, CancellationToken)"/>:
/// a local file to upload (<see cref="Upload"/>) or an already-stored URL to record
/// (<see cref="Register"/>), never both. Combinations that contradict each other (an upload
/// destination or target name for a URL that is only recorded, a target name with a path, a
/// negative iteration) are rejected when the options are built.
/// </summary>
public sealed record UpdateWeightsOptions
{
    private readonly string? _uploadUri;

    private readonly string? _targetFilename;

    private readonly long? _iteration;

    private UpdateWeightsOptions(string? weightsFilename, string? registerUri)
    {
        WeightsFilename = weightsFilename;
        RegisterUri = registerUri;
    }

    /// <summary>Upload the local file (or folder, zipped as a package) <paramref name="weightsFilename"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="weightsFilename"/> is blank.</exception>
    public static UpdateWeightsOptions Upload(string weightsFilename)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(weightsFilename);
        return new(weightsFilename, null);
    }

    /// <summary>Record <paramref name="registerUri"/> (a stored URL, or a local path) as the weights, uploading nothing.</summary>
    /// <exception cref="ArgumentException"><paramref name="registerUri"/> is blank.</exception>
    public static UpdateWeightsOptions Register(string registerUri)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(registerUri);
        return new(null, registerUri);
    }

    /// <summary>The local weights file or folder to upload; null when <see cref="RegisterUri"/> is recorded instead.</summary>
    public string? WeightsFilename { get; }

    /// <summary>The stored URL to record; null when <see cref="WeightsFilename"/> is uploaded.</summary>
    public string? RegisterUri { get; }

    /// <summary>Upload here (and from now on) instead of <see cref="OutputModel.UploadStorageUri"/>.</summary>
    /// <exception cref="ArgumentException">Set on options that only record a URL.</exception>
    public string? UploadUri
    {
        get => _uploadUri;
        init => _uploadUri = value is not null && RegisterUri is not null
            ? throw new ArgumentException("UploadUri applies to an upload, not to a recorded RegisterUri.", nameof(UploadUri))
            : value;
    }

    /// <summary>The stored file name; default: the local file's name.</summary>
    /// <exception cref="ArgumentException">Set on options that only record a URL, or not a plain file name.</exception>
    public string? TargetFilename
    {
        get => _targetFilename;
        init => _targetFilename = value is null ? null
            : RegisterUri is not null ? throw new ArgumentException("TargetFilename applies to an upload, not to a recorded RegisterUri.", nameof(TargetFilename))
            : value.Length == 0 || value.Contains('/', StringComparison.Ordinal) || value.Contains('\\', StringComparison.Ordinal)
                ? throw new ArgumentException($"'{value}' given as TargetFilename must be a plain file name.", nameof(TargetFilename))
            : value;
    }

    /// <summary>Delete temporary files the SDK made for this upload (a folder's zip) once stored; never the caller's own files.</summary>
    public bool AutoDeleteFile { get; init; } = true;

    /// <summary>The training iteration the weights are from.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public long? Iteration
    {
        get => _iteration;
        init => _iteration = value is < 0 ? throw new ArgumentOutOfRangeException(nameof(Iteration), value, "Iteration must not be negative.") : value;
    }

    /// <summary>Prefix the comment with "snapshot &lt;file&gt; stored" (default).</summary>
    public bool UpdateComment { get; init; } = true;

    /// <summary>The weights are a zip package (adds the <c>package</c> system tag).</summary>
    public bool IsPackage { get; init; }

    /// <summary>Receives upload progress.</summary>
    public IProgress<TransferProgress>? Progress { get; init; }
}
