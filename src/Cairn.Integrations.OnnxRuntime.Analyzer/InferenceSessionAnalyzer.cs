using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Cairn.Integrations.OnnxRuntime.Analyzer;

/// <summary>
/// Suggests <c>OnnxModels.Open</c> where a program writes <c>new InferenceSession(path, …)</c>: a
/// constructor cannot be intercepted, so that session's file is not logged as the experiment's
/// input model. Info severity (an IDE suggestion): the constructor stays correct code.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class InferenceSessionAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The rule's id.</summary>
    public const string Id = "CAIRN0001";

    private static readonly DiagnosticDescriptor Rule = new(
        Id,
        title: "An InferenceSession created with its constructor is not logged",
        messageFormat: "new InferenceSession({0}) is not logged as the experiment's input model; use OnnxModels.Open({0}) or add OnnxModels.Loaded(path) after it",
        category: "Usage",
        defaultSeverity: DiagnosticSeverity.Info,
        isEnabledByDefault: true,
        description: "C# interceptors cannot replace constructors. OnnxModels.Open takes the same arguments and registers the model file on the running Cairn experiment, as ClearML does when a framework loads weights.");

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var session = start.Compilation.GetTypeByMetadataName("Microsoft.ML.OnnxRuntime.InferenceSession");
            if (session is null)
            {
                return; // ONNX Runtime not referenced: nothing to look at.
            }
            start.RegisterOperationAction(operation => Check(operation, session), OperationKind.ObjectCreation);
        });
    }

    private static void Check(OperationAnalysisContext context, INamedTypeSymbol session)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (creation.Constructor is not { } constructor
            || !SymbolEqualityComparer.Default.Equals(constructor.ContainingType, session)
            || constructor.Parameters.Length == 0
            || constructor.Parameters[0].Type.SpecialType != SpecialType.System_String)
        {
            return; // Only the file-path overloads: a byte[] model has no file to register.
        }
        var arguments = string.Join(", ", creation.Arguments
            .Where(a => a.ArgumentKind == ArgumentKind.Explicit)
            .OrderBy(a => a.Parameter?.Ordinal ?? 0)
            .Select(a => a.Value.Syntax.ToString()));
        context.ReportDiagnostic(Diagnostic.Create(Rule, creation.Syntax.GetLocation(), arguments));
    }
}
