namespace Cairn;

/// <summary>
/// ClearML's framework names (the server stores any string) and the weights-file extensions that
/// let the SDK fill in a framework nobody gave, as ClearML's <c>Framework._get_file_ext</c> does.
/// </summary>
public static class Framework
{
    /// <summary>TensorFlow.</summary>
    public const string TensorFlow = "TensorFlow";

    /// <summary>TensorFlow.js.</summary>
    public const string TensorFlowJs = "TensorFlow_js";

    /// <summary>TensorFlow Lite.</summary>
    public const string TensorFlowLite = "TensorFlow_Lite";

    /// <summary>PyTorch.</summary>
    public const string PyTorch = "PyTorch";

    /// <summary>TorchScript.</summary>
    public const string TorchScript = "TorchScript";

    /// <summary>Caffe.</summary>
    public const string Caffe = "Caffe";

    /// <summary>Caffe2.</summary>
    public const string Caffe2 = "Caffe2";

    /// <summary>ONNX.</summary>
    public const string Onnx = "ONNX";

    /// <summary>Keras.</summary>
    public const string Keras = "Keras";

    /// <summary>MXNet.</summary>
    public const string MXNet = "MXNet";

    /// <summary>CNTK.</summary>
    public const string Cntk = "CNTK";

    /// <summary>Torch.</summary>
    public const string Torch = "Torch";

    /// <summary>Darknet.</summary>
    public const string Darknet = "Darknet";

    /// <summary>PaddlePaddle.</summary>
    public const string PaddlePaddle = "PaddlePaddle";

    /// <summary>scikit-learn.</summary>
    public const string ScikitLearn = "ScikitLearn";

    /// <summary>XGBoost.</summary>
    public const string XGBoost = "XGBoost";

    /// <summary>LightGBM.</summary>
    public const string LightGbm = "LightGBM";

    /// <summary>Parquet.</summary>
    public const string Parquet = "Parquet";

    /// <summary>MegEngine.</summary>
    public const string MegEngine = "MegEngine";

    /// <summary>CatBoost.</summary>
    public const string CatBoost = "CatBoost";

    /// <summary>TensorRT.</summary>
    public const string TensorRT = "TensorRT";

    /// <summary>OpenVINO.</summary>
    public const string OpenVino = "OpenVINO";

    /// <summary>ML.NET (not a ClearML constant; any string is stored).</summary>
    public const string MLNet = "ML.NET";

    // Suffix → framework, in ClearML's order: the first matching suffix wins.
    private static readonly (string Suffix, string Framework)[] Suffixes =
    [
        ("predict_net.pbtxt", Caffe2), ("predict_net.pb", Caffe2),
        ("-symbol.json", MXNet), ("model.json", TensorFlowJs),
        (".pbtxt", TensorFlow), (".pb", TensorFlow), (".meta", TensorFlow),
        (".tar.gz", TensorFlow), (".tgz", TensorFlow), (".zip", TensorFlow),
        (".tflite", TensorFlowLite), (".pth", PyTorch), (".pt", PyTorch),
        (".caffemodel", Caffe), (".prototxt", Caffe), (".onnx", Onnx),
        (".h5", Keras), (".hdf5", Keras), (".keras", Keras),
        (".model", MXNet), (".cntk", Cntk), (".t7", Torch), (".cfg", Darknet),
        ("__model__", PaddlePaddle), (".pkl", ScikitLearn), (".parquet", Parquet),
        (".cbm", CatBoost), (".plan", TensorRT),
    ];

    /// <summary>The framework a weights file name suggests (e.g. <c>.pt</c> → PyTorch); null when none does.</summary>
    public static string? FromFileName(string? fileName)
    {
        if (string.IsNullOrEmpty(fileName))
        {
            return null;
        }
        var lower = fileName.ToLowerInvariant();
        foreach (var (suffix, framework) in Suffixes)
        {
            if (lower.EndsWith(suffix, StringComparison.Ordinal))
            {
                return framework;
            }
        }
        return null;
    }
}
