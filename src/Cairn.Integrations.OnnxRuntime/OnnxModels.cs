using Microsoft.ML.OnnxRuntime;

namespace Cairn.Integrations.OnnxRuntime;

/// <summary>
/// ONNX Runtime sessions whose model file is logged as the running experiment's input model
/// (<see cref="Experiment.Current"/>). <c>new InferenceSession(path)</c> is a constructor, which
/// C# interceptors cannot replace, so the logged call is <see cref="Open"/> in its place; for a
/// session created otherwise, <see cref="Loaded"/> is the one line to add. Logging runs in the
/// background and never makes the call fail (see <see cref="FrameworkModelLog"/>).
/// </summary>
public static class OnnxModels
{
    /// <summary>
    /// Creates the <see cref="InferenceSession"/> for the file at <paramref name="modelPath"/>, with the
    /// constructor ONNX Runtime has for the arguments given, then, when an experiment is running and
    /// <see cref="FrameworkModelLog.AutoConnect"/> allows <c>onnx</c> for the file, registers it as the
    /// experiment's input model: the existing Cairn model when the file is a model's local copy or a
    /// registered URL matches it, else a new model pointing at the file (framework ONNX).
    /// </summary>
    /// <param name="modelPath">The <c>.onnx</c> file.</param>
    /// <param name="options">The session's options; ONNX Runtime's defaults when null.</param>
    /// <param name="prepackedWeights">A container shared between sessions, when one is used.</param>
    /// <returns>The session, the caller's to dispose.</returns>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime cannot load the file (missing, not a model); the
    /// exception is ONNX Runtime's own, unchanged, and nothing is registered.</exception>
    public static InferenceSession Open(string modelPath, SessionOptions? options = null, PrePackedWeightsContainer? prepackedWeights = null)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        return FrameworkModelLog.Load(AutoConnectFrameworks.Onnx, Framework.Onnx, modelPath, () => (options, prepackedWeights) switch
        {
            (null, null) => new InferenceSession(modelPath),
            (null, { } weights) => new InferenceSession(modelPath, weights),
            ({ } o, null) => new InferenceSession(modelPath, o),
            ({ } o, { } weights) => new InferenceSession(modelPath, o, weights),
        });
    }

    /// <summary>
    /// Logs an ONNX model file a session was already created from (<c>new InferenceSession(path)</c>)
    /// as the experiment's input model, under the same rule as <see cref="Open"/>: one line after the
    /// constructor. Nothing happens when no experiment is running or <c>onnx</c> is turned off for the file.
    /// </summary>
    public static void Loaded(string modelPath)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        FrameworkModelLog.Loaded(AutoConnectFrameworks.Onnx, Framework.Onnx, modelPath);
    }
}
