using System.Collections.Immutable;
using Cairn.Integrations.OnnxRuntime.Analyzer;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Xunit;

namespace Cairn.Integrations.OnnxRuntime.Tests;

/// <summary>The analyzer run by Roslyn on a real compilation against ONNX Runtime's assembly.</summary>
public sealed class InferenceSessionAnalyzerTests
{
    private static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(string body)
    {
        var source = $$"""
            using Microsoft.ML.OnnxRuntime;
            static class Program
            {
                static void Run(string path, byte[] bytes, SessionOptions options, PrePackedWeightsContainer weights)
                {
                    {{body}}
                }
            }
            """;
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(InferenceSession).Assembly.Location)
            .Append(typeof(OnnxModels).Assembly.Location)
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("probe", [CSharpSyntaxTree.ParseText(source)], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        return await compilation.WithAnalyzers([new InferenceSessionAnalyzer()]).GetAnalyzerDiagnosticsAsync();
    }

    [Theory]
    [InlineData("using var s = new InferenceSession(path);", "path")]
    [InlineData("using var s = new InferenceSession(path, options);", "path, options")]
    [InlineData("using var s = new InferenceSession(path, weights);", "path, weights")]
    [InlineData("using var s = new InferenceSession(path, options, weights);", "path, options, weights")]
    public async Task A_session_constructed_from_a_file_path_gets_the_suggestion_to_use_Open(string body, string arguments)
    {
        var diagnostic = Assert.Single(await AnalyzeAsync(body));
        Assert.Equal(InferenceSessionAnalyzer.Id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Info, diagnostic.Severity);
        Assert.Contains($"OnnxModels.Open({arguments})", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("using var s = new InferenceSession(bytes);")]
    [InlineData("using var s = new InferenceSession(bytes, options);")]
    [InlineData("using var s = Cairn.Integrations.OnnxRuntime.OnnxModels.Open(path, options);")]
    public async Task A_session_from_bytes_or_from_Open_gets_no_suggestion(string body) =>
        Assert.Empty(await AnalyzeAsync(body));
}
