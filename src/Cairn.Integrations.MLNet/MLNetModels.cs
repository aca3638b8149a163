using Microsoft.ML;

namespace Cairn.Integrations.MLNet;

/// <summary>
/// ML.NET's model saves and loads, logged on the running experiment (<see cref="Experiment.Current"/>).
/// The package's generator routes <c>mlContext.Model.Save(…)</c> and <c>Load(…)</c> here at compile
/// time; call <see cref="Saved"/> or <see cref="Loaded"/> yourself for the shapes it does not catch
/// (see the package README). Each method behaves exactly as ML.NET's own; logging runs in the background
/// and never makes the call fail (see <see cref="FrameworkModelLog"/>).
/// </summary>
public static class MLNetModels
{
    /// <summary>
    /// <see cref="ModelOperationsCatalog.Save(ITransformer, DataViewSchema, string)"/>, then the file
    /// is logged as an output model (repeated saves of one path are snapshots of one model).
    /// </summary>
    public static void SavePath(ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string filePath)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        FrameworkModelLog.Save(AutoConnectFrameworks.MLNet, Framework.MLNet, filePath, () => catalog.Save(model, inputSchema, filePath));
    }

    /// <summary>
    /// <see cref="ModelOperationsCatalog.Save(ITransformer, DataViewSchema, Stream)"/>; when the stream
    /// is a <see cref="FileStream"/> it is flushed and its file logged as an output model. Other streams are not logged.
    /// With an upload destination the private copy is read through the stream on the caller's thread
    /// (see <see cref="FrameworkModelLog.Save(string, string, FileStream, Action, long?)"/>).
    /// </summary>
    public static void SaveStream(ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (stream is not FileStream file)
        {
            catalog.Save(model, inputSchema, stream);
            return;
        }
        FrameworkModelLog.Save(AutoConnectFrameworks.MLNet, Framework.MLNet, file, () => catalog.Save(model, inputSchema, stream));
    }

    /// <summary>
    /// <see cref="ModelOperationsCatalog.Load(string, out DataViewSchema)"/>, then the file is logged
    /// as the experiment's input model; a load that throws logs nothing.
    /// </summary>
    public static ITransformer LoadPath(ModelOperationsCatalog catalog, string filePath, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var model = catalog.Load(filePath, out inputSchema);
        FrameworkModelLog.Loaded(AutoConnectFrameworks.MLNet, Framework.MLNet, filePath);
        return model;
    }

    /// <summary>
    /// <see cref="ModelOperationsCatalog.Load(Stream, out DataViewSchema)"/>; when the stream is a
    /// <see cref="FileStream"/> its file is logged as the input model. Other streams are not logged.
    /// </summary>
    public static ITransformer LoadStream(ModelOperationsCatalog catalog, Stream stream, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var model = catalog.Load(stream, out inputSchema);
        if (stream is FileStream file)
        {
            FrameworkModelLog.Loaded(AutoConnectFrameworks.MLNet, Framework.MLNet, file.Name);
        }
        return model;
    }

    /// <summary>
    /// Runs <paramref name="convert"/>, an ONNX export of an ML.NET model to <paramref name="stream"/>
    /// (<c>mlContext.Model.ConvertToOnnx(model, data, stream)</c>, which the generator routes here);
    /// when the stream is a <see cref="FileStream"/> it is flushed and its file logged as an output
    /// model of framework ONNX, under the <c>onnx</c> key of <see cref="FrameworkModelLog.AutoConnect"/>
    /// (the file is ONNX, whatever wrote it). Other streams are not logged. The package takes no
    /// dependency on <c>Microsoft.ML.OnnxConverter</c>: the export is the caller's own call.
    /// </summary>
    public static void ExportOnnx(Stream stream, Action convert)
    {
        ArgumentNullException.ThrowIfNull(convert);
        if (stream is not FileStream file)
        {
            convert();
            return;
        }
        FrameworkModelLog.Save(AutoConnectFrameworks.Onnx, Framework.Onnx, file, convert);
    }

    /// <summary>
    /// Logs an ML.NET model file already saved (for call shapes the interceptors do not catch, or a
    /// known <paramref name="iteration"/>): one line after the save. Nothing happens when no experiment is running.
    /// </summary>
    public static void Saved(string filePath, long? iteration = null) =>
        FrameworkModelLog.Saved(AutoConnectFrameworks.MLNet, Framework.MLNet, filePath, iteration);

    /// <summary>Logs an ML.NET model file already loaded as the experiment's input model; nothing happens when no experiment is running.</summary>
    public static void Loaded(string filePath) =>
        FrameworkModelLog.Loaded(AutoConnectFrameworks.MLNet, Framework.MLNet, filePath);
}
