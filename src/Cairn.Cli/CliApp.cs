using System.CommandLine;
using System.CommandLine.Help;
using System.Text;
using Cairn.Cli.Commands;
using Cairn.Configuration;
using Cairn.Configuration.Hocon;
using Cairn.Models;
using Cairn.Protocol.Query;
using Cairn.Storage;

namespace Cairn.Cli;

/// <summary>Builds the command tree and runs one command line: parse, invoke, turn failures into one line and an exit code.</summary>
internal static class CliApp
{
    public static readonly Option<string?> ConfigOption = new("--config")
    {
        Description = "Read this clearml.conf instead of CLEARML_CONFIG_FILE or ~/clearml.conf",
        Recursive = true,
    };

    public static readonly Option<double?> RetryDeadlineOption = new("--retry-deadline")
    {
        Description = "Seconds one call may retry an unreachable or busy server (default: api.http.retry_deadline_sec, else 300)",
        Recursive = true,
        HelpName = "seconds",
    };

    public static readonly Option<bool> VerboseOption = new("--verbose", "-v")
    {
        Description = "Print the full exception (stack trace) when a command fails",
        Recursive = true,
    };

    /// <summary>The examples of each command, printed after its help (System.CommandLine's help has no examples section).</summary>
    private static readonly Dictionary<Command, string> Examples = [];

    public static Command Build()
    {
        // A plain command named "cairn" (a RootCommand is named after the executable, Cairn.Cli).
        var root = new Command("cairn", """
            cairn: the command line for a Cairn or ClearML model registry.

            Credentials are read as the ClearML SDK reads them: CLEARML_CONFIG_FILE or ~/clearml.conf,
            then CLEARML_API_HOST, CLEARML_API_ACCESS_KEY, CLEARML_API_SECRET_KEY (and the other
            CLEARML_* variables). `cairn login` writes ~/clearml.conf.

            Examples:
              cairn login --api-host http://127.0.0.1:8008 --access-key KEY --secret-key SECRET
              cairn models list --project vision --query 'tag:production and published'
              cairn models download --project vision --query 'tag:production and published' -o model.onnx
              cairn models show 3f2a... --json

            Exit codes: 0 ok, 1 the command failed, 2 the command line is wrong.
            """);
        root.Options.Add(new HelpOption());
        root.Options.Add(new VersionOption());
        root.Options.Add(ConfigOption);
        root.Options.Add(RetryDeadlineOption);
        root.Options.Add(VerboseOption);
        root.Subcommands.Add(LoginCommands.Login());
        root.Subcommands.Add(LoginCommands.WhoAmI());
        root.Subcommands.Add(ModelCommands.Build());
        root.Subcommands.Add(ProjectCommands.Build());
        root.Subcommands.Add(TaskCommands.Build());
        root.Subcommands.Add(ArtifactCommands.Build());
        SplitExamples(root);
        return root;
    }

    /// <summary>Moves each description's "Examples:" paragraph out, to be printed after the help.</summary>
    private static void SplitExamples(Command command)
    {
        if (command.Description is { } text)
        {
            var at = text.IndexOf("\n\nExample", StringComparison.Ordinal);
            if (at >= 0)
            {
                Examples[command] = text[(at + 2)..];
                command.Description = text[..at];
            }
        }
        foreach (var sub in command.Subcommands)
        {
            SplitExamples(sub);
        }
    }

    public static async Task<int> RunAsync(string[] args)
    {
        Console.OutputEncoding = Encoding.UTF8;
        var root = Build();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
        {
            // "Required command was not provided" only repeats a more precise error when there is one.
            var errors = parse.Errors.Count > 1 ? parse.Errors.Where(e => !e.Message.StartsWith("Required command", StringComparison.Ordinal)) : parse.Errors;
            foreach (var error in errors)
            {
                await Console.Error.WriteLineAsync($"cairn: {error.Message}").ConfigureAwait(false);
            }
            var command = string.Join(' ', CommandPath(parse.CommandResult));
            await Console.Error.WriteLineAsync($"See '{command} --help'.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        var exit = await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, cancel.Token).ConfigureAwait(false);
        if (parse.Action is HelpAction && Examples.TryGetValue(parse.CommandResult.Command, out var examples))
        {
            await Console.Out.WriteLineAsync(examples.TrimEnd() + Environment.NewLine).ConfigureAwait(false);
        }
        return exit;
    }

    private static IEnumerable<string> CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new Stack<string>();
        for (System.CommandLine.Parsing.SymbolResult? r = result; r is not null; r = r.Parent)
        {
            if (r is System.CommandLine.Parsing.CommandResult c)
            {
                names.Push(c.Command.Name);
            }
        }
        return names;
    }

    /// <summary>Sets <paramref name="command"/>'s action: runs <paramref name="body"/> with a context and maps its failures to one stderr line and an exit code.</summary>
    public static void SetHandler(this Command command, Func<CliContext, CancellationToken, Task<int>> body) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            var verbose = parse.GetValue(VerboseOption);
            await using var context = new CliContext(parse);
            try
            {
                return await body(context, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                var failure = Classify(e, cancellationToken);
                context.StopProgress();
                await Console.Error.WriteLineAsync("cairn: " + failure.Message).ConfigureAwait(false);
                if (verbose)
                {
                    await Console.Error.WriteLineAsync(e.ToString()).ConfigureAwait(false);
                }
                return failure.ExitCode;
            }
        });

    private static (string Message, int ExitCode) Classify(Exception e, CancellationToken cancellationToken) => e switch
    {
        UsageException => (e.Message, ExitCodes.Usage),
        QueryException q => ("invalid query: " + q.Message, ExitCodes.Usage),
        CommandFailedException => (e.Message, ExitCodes.Failed),
        ClearMLRequestException { Endpoint: "auth.login", ResultCode: 401 or 403 } r =>
            ($"the server refused the credentials (auth.login answered {r.ResultCode}: {OneLine(r.ServerMessage)}); check the access and secret key, or run 'cairn login'", ExitCodes.Failed),
        ClearMLRequestException { ResultCode: 0 } r =>
            ($"cannot reach the server: {OneLine(r.Message)}", ExitCodes.Failed),
        ClearMLRequestException r => (OneLine(r.Message), ExitCodes.Failed),
        ClearMLConfigurationException => (OneLine(e.Message) + " (run 'cairn login', or set CLEARML_API_HOST, CLEARML_API_ACCESS_KEY and CLEARML_API_SECRET_KEY)", ExitCodes.Failed),
        HoconParseException => ("cannot read the configuration: " + OneLine(e.Message), ExitCodes.Failed),
        StorageIntegrityException or ModelIntegrityException => ("integrity check failed: " + OneLine(e.Message), ExitCodes.Failed),
        StorageRequestException or TransferStalledException or ModelUploadException => (OneLine(e.Message), ExitCodes.Failed),
        HttpRequestException => ("cannot reach the server: " + OneLine(e.Message), ExitCodes.Failed),
        FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException => (OneLine(e.Message), ExitCodes.Failed),
        ArgumentException or InvalidOperationException or NotSupportedException => (OneLine(e.Message), ExitCodes.Failed),
        OperationCanceledException when cancellationToken.IsCancellationRequested => ("cancelled", ExitCodes.Failed),
        _ => ($"unexpected {e.GetType().Name}: {OneLine(e.Message)} (run with --verbose for the stack trace)", ExitCodes.Failed),
    };

    private static string OneLine(string? text) =>
        string.IsNullOrWhiteSpace(text) ? "(no message)" : text.ReplaceLineEndings(" ").Trim();
}
