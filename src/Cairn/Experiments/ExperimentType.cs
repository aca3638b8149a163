namespace Cairn.Experiments;

/// <summary>ClearML's task types (<c>tasks.create</c>'s <c>type</c>).</summary>
public static class ExperimentType
{
    /// <summary>A training run (the default).</summary>
    public const string Training = "training";

    /// <summary>A testing run.</summary>
    public const string Testing = "testing";

    /// <summary>An inference run.</summary>
    public const string Inference = "inference";

    /// <summary>Data processing.</summary>
    public const string DataProcessing = "data_processing";

    /// <summary>An application.</summary>
    public const string Application = "application";

    /// <summary>A monitor.</summary>
    public const string Monitor = "monitor";

    /// <summary>A pipeline controller.</summary>
    public const string Controller = "controller";

    /// <summary>A hyper-parameter optimizer.</summary>
    public const string Optimizer = "optimizer";

    /// <summary>A service.</summary>
    public const string Service = "service";

    /// <summary>Quality control.</summary>
    public const string QualityControl = "qc";

    /// <summary>Anything else.</summary>
    public const string Custom = "custom";

    /// <summary>Every type the server accepts.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Training, Testing, Inference, DataProcessing, Application, Monitor, Controller, Optimizer, Service, QualityControl, Custom];
}
