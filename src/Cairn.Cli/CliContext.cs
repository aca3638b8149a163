using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cairn.Configuration;
using Cairn.Session;
using Cairn.Storage;
using Spectre.Console;

namespace Cairn.Cli;

/// <summary>
/// What one command invocation shares: the settings and session (made on first use, as the SDK
/// makes them), the storage manager, and the two consoles. Tables go to stdout; progress, notes
/// and errors to stderr, so `cairn … --json | jq` sees only the JSON.
/// </summary>
internal sealed class CliContext : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private readonly ParseResult _parse;
    private ClearMLSession? _session;
    private StorageManager? _storage;
    private TransferDisplay? _progress;

    public CliContext(ParseResult parse)
    {
        _parse = parse;
        Out = MakeConsole(Console.Out, Console.IsOutputRedirected);
        Error = MakeConsole(Console.Error, Console.IsErrorRedirected);
    }

    /// <summary>Standard output; plain (no colour, wide) when it is not a terminal.</summary>
    public IAnsiConsole Out { get; }

    /// <summary>Standard error, for progress and notes.</summary>
    public IAnsiConsole Error { get; }

    public T? Get<T>(Option<T> option) => _parse.GetValue(option);

    public T? Get<T>(Argument<T> argument) => _parse.GetValue(argument);

    /// <summary>The settings: the configuration file and environment, with the command line's overrides.</summary>
    public ClearMLSettings Settings => Session.Settings;

    public ClearMLSettingsOverrides Overrides(ClearMLSettingsOverrides? extra = null)
    {
        var deadline = _parse.GetValue(CliApp.RetryDeadlineOption);
        if (deadline is <= 0 or > 86400)
        {
            throw new UsageException($"--retry-deadline must be in (0, 86400] seconds, not {deadline}");
        }
        var overrides = extra ?? new ClearMLSettingsOverrides();
        return overrides with
        {
            ConfigFile = overrides.ConfigFile ?? _parse.GetValue(CliApp.ConfigOption),
            RetryDeadline = overrides.RetryDeadline ?? (deadline is { } s ? TimeSpan.FromSeconds(s) : null),
        };
    }

    public ClearMLSession Session => _session ??= new ClearMLSession(ClearMLSettings.Load(Overrides()));

    public StorageManager Storage => _storage ??= new StorageManager(Session);

    /// <summary>A live progress display on stderr when it is a terminal; null (quiet) otherwise.</summary>
    public IProgress<TransferProgress>? StartProgress(string label)
    {
        if (Console.IsErrorRedirected)
        {
            return null;
        }
        _progress = new TransferDisplay(Error, label);
        return _progress;
    }

    public void StopProgress()
    {
        _progress?.Dispose();
        _progress = null;
    }

    public void WriteJson(JsonNode node) => Console.Out.WriteLine(node.ToJsonString(Indented));

    public void Note(string text) => Error.MarkupLineInterpolated($"[grey]{text}[/]");

    public void WriteLine(string text) => Console.Out.WriteLine(text);

    public async ValueTask DisposeAsync()
    {
        StopProgress();
        _storage?.Dispose();
        if (_session is not null)
        {
            await _session.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static IAnsiConsole MakeConsole(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (redirected)
        {
            // A pipe has no width; tables are laid out wide rather than wrapped at 80 columns.
            console.Profile.Width = 240;
        }
        return console;
    }
}
