// Registers weights stored elsewhere as a model (nothing is uploaded), then imports the same URL
// again to show that the existing model is reused.
// Usage: ImportModel <weights URL>   (the server comes from ~/clearml.conf or CLEARML_* variables)
using Cairn;

var url = args.Length > 0 ? args[0] : "https://github.com/onnx/models/raw/main/validated/vision/classification/mnist/model/mnist-12.onnx";

var model = await InputModel.ImportModelAsync(url,
    name: "mnist (imported)",
    project: "Cairn samples",
    tags: ["sample", "imported"],
    labelEnumeration: Enumerable.Range(0, 10).ToDictionary(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture), d => d),
    comment: "registered by the ImportModel sample",
    createAsPublished: true);
var again = await InputModel.ImportModelAsync(url);

Console.WriteLine($"imported {url} as model {model.Id} ({model.Framework}); importing again returned {(again.Id == model.Id ? "the same model" : "a new model")}");
return again.Id == model.Id ? 0 : 1;
