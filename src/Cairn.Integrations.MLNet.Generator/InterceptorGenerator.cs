using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cairn.Integrations.MLNet.Generator;

/// <summary>
/// Emits C# interceptors (<c>[InterceptsLocation]</c>, resolved at compile time: no reflection, no
/// runtime rewriting, so trimming and AOT see plain static calls) for the calls of
/// <c>Microsoft.ML.ModelOperationsCatalog.Save</c> and <c>Load</c> whose path or stream form it knows,
/// and for ONNX export (<c>ConvertToOnnx</c>, an extension method of <c>Microsoft.ML.OnnxConverter</c>)
/// to a stream. The export's interceptor calls the extension method itself, so the package needs no
/// reference to <c>Microsoft.ML.OnnxConverter</c>: the calls exist only in projects that have it.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class InterceptorGenerator : IIncrementalGenerator
{
    private const string Catalog = "Microsoft.ML.ModelOperationsCatalog";

    private const string OnnxExport = "Microsoft.ML.OnnxExportExtensions";

    private const string Runtime = "Cairn.Integrations.MLNet.MLNetModels";

    /// <summary>
    /// The call shapes caught, by the parameter types after the catalog: the runtime method each is
    /// routed to, its return type, the interceptor's parameters after the catalog, and the runtime call's arguments.
    /// </summary>
    private static readonly Dictionary<string, Shape> Shapes = new()
    {
        ["Save(Microsoft.ML.ITransformer, Microsoft.ML.DataViewSchema, string)"] = new("SavePath", "void",
            "global::Microsoft.ML.ITransformer model, global::Microsoft.ML.DataViewSchema inputSchema, string filePath", "catalog, model, inputSchema, filePath"),
        ["Save(Microsoft.ML.ITransformer, Microsoft.ML.DataViewSchema, System.IO.Stream)"] = new("SaveStream", "void",
            "global::Microsoft.ML.ITransformer model, global::Microsoft.ML.DataViewSchema inputSchema, global::System.IO.Stream stream", "catalog, model, inputSchema, stream"),
        ["Load(string, out Microsoft.ML.DataViewSchema)"] = new("LoadPath", "global::Microsoft.ML.ITransformer",
            "string filePath, out global::Microsoft.ML.DataViewSchema inputSchema", "catalog, filePath, out inputSchema"),
        ["Load(System.IO.Stream, out Microsoft.ML.DataViewSchema)"] = new("LoadStream", "global::Microsoft.ML.ITransformer",
            "global::System.IO.Stream stream, out global::Microsoft.ML.DataViewSchema inputSchema", "catalog, stream, out inputSchema"),
        // ONNX export: the runtime method runs the extension method given as a lambda, then logs the stream's file.
        ["ConvertToOnnx(Microsoft.ML.ITransformer, Microsoft.ML.IDataView, System.IO.Stream)"] = new("ExportOnnx", "void",
            "global::Microsoft.ML.ITransformer transform, global::Microsoft.ML.IDataView inputData, global::System.IO.Stream stream",
            "stream, () => global::" + OnnxExport + ".ConvertToOnnx(catalog, transform, inputData, stream)"),
        ["ConvertToOnnx(Microsoft.ML.ITransformer, Microsoft.ML.IDataView, int, System.IO.Stream)"] = new("ExportOnnx", "void",
            "global::Microsoft.ML.ITransformer transform, global::Microsoft.ML.IDataView inputData, int opSetVersion, global::System.IO.Stream stream",
            "stream, () => global::" + OnnxExport + ".ConvertToOnnx(catalog, transform, inputData, opSetVersion, stream)"),
        ["ConvertToOnnx(Microsoft.ML.ITransformer, Microsoft.ML.IDataView, System.IO.Stream, string[])"] = new("ExportOnnx", "void",
            "global::Microsoft.ML.ITransformer transform, global::Microsoft.ML.IDataView inputData, global::System.IO.Stream stream, params string[] outputColumns",
            "stream, () => global::" + OnnxExport + ".ConvertToOnnx(catalog, transform, inputData, stream, outputColumns)"),
    };

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var calls = context.SyntaxProvider.CreateSyntaxProvider(
                static (node, _) => node is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Save" or "Load" or "ConvertToOnnx" } },
                static (ctx, ct) => Resolve(ctx, ct))
            .Where(static call => call is not null)
            .Select(static (call, _) => call!.Value)
            .Collect();
        var hasRuntime = context.CompilationProvider.Select(static (c, _) => c.GetTypeByMetadataName(Runtime) is not null);
        context.RegisterSourceOutput(calls.Combine(hasRuntime), static (spc, pair) =>
        {
            // Without the runtime assembly the generated calls could not compile: emit nothing.
            if (pair.Right && pair.Left.Length > 0)
            {
                spc.AddSource("CairnMLNetInterceptors.g.cs", Emit(pair.Left));
            }
        });
    }

    private static Call? Resolve(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        var invocation = (InvocationExpressionSyntax)context.Node;
        if (context.SemanticModel.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol method
            || method.IsGenericMethod)
        {
            return null;
        }
        // An extension method called as one (catalog.ConvertToOnnx(…)) is seen in its reduced form,
        // without the catalog parameter, as the catalog's own methods are.
        var isExport = method.ReducedFrom?.ContainingType?.ToDisplayString() == OnnxExport;
        if (!isExport && (method.ContainingType?.ToDisplayString() != Catalog || method.IsStatic))
        {
            return null;
        }
        var key = method.Name + "(" + string.Join(", ", method.Parameters.Select(p =>
            (p.RefKind == RefKind.Out ? "out " : "") + p.Type.ToDisplayString())) + ")";
        if (!Shapes.ContainsKey(key))
        {
            return null;
        }
        var location = context.SemanticModel.GetInterceptableLocation(invocation, cancellationToken);
        return location is null ? null : new Call(key, location.Version, location.Data);
    }

    private static string Emit(ImmutableArray<Call> calls)
    {
        var text = new StringBuilder();
        text.AppendLine("// <auto-generated>Cairn.Integrations.MLNet: ML.NET saves and loads logged on the running Cairn experiment.</auto-generated>");
        text.AppendLine("#nullable enable");
        text.AppendLine("namespace System.Runtime.CompilerServices");
        text.AppendLine("{");
        text.AppendLine("    [global::System.AttributeUsage(global::System.AttributeTargets.Method, AllowMultiple = true)]");
        text.AppendLine("    file sealed class InterceptsLocationAttribute : global::System.Attribute");
        text.AppendLine("    {");
        text.AppendLine("        public InterceptsLocationAttribute(int version, string data)");
        text.AppendLine("        {");
        text.AppendLine("            _ = version;");
        text.AppendLine("            _ = data;");
        text.AppendLine("        }");
        text.AppendLine("    }");
        text.AppendLine("}");
        text.AppendLine();
        text.AppendLine("namespace Cairn.Integrations.MLNet.Generated");
        text.AppendLine("{");
        text.AppendLine("    file static class CairnMLNetInterceptors");
        text.AppendLine("    {");
        foreach (var group in calls.GroupBy(c => c.Key).OrderBy(g => g.Key, System.StringComparer.Ordinal))
        {
            var shape = Shapes[group.Key];
            foreach (var call in group.Distinct())
            {
                text.AppendLine($"        [global::System.Runtime.CompilerServices.InterceptsLocation({call.Version}, \"{call.Data}\")]");
            }
            text.AppendLine($"        public static {shape.Returns} {shape.Name}(this global::Microsoft.ML.ModelOperationsCatalog catalog, {shape.Parameters}) =>");
            text.AppendLine($"            global::{Runtime}.{shape.Name}({shape.Arguments});");
            text.AppendLine();
        }
        text.AppendLine("    }");
        text.AppendLine("}");
        return text.ToString();
    }

    private sealed class Shape(string name, string returns, string parameters, string arguments)
    {
        public string Name { get; } = name;

        public string Returns { get; } = returns;

        public string Parameters { get; } = parameters;

        public string Arguments { get; } = arguments;
    }

    private readonly record struct Call(string Key, int Version, string Data);
}
