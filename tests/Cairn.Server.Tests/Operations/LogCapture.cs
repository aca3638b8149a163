using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Tests.Operations;

/// <summary>One line the server logged, with the scope values that were active when it was.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, string Message, Exception? Exception, IReadOnlyDictionary<string, object?> Scope);

/// <summary>
/// A logger provider added to a real server's logging (through <c>TestServer.StartAsync</c>'s
/// builder hook), so a test reads what the server logs, with its scopes and levels.
/// </summary>
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<CapturedLog> _lines = new();

    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<CapturedLog> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    /// <summary>Polls until a line matches (the server logs on its own threads), failing after the deadline.</summary>
    public async Task<CapturedLog> WaitForAsync(Func<CapturedLog, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            if (Lines.FirstOrDefault(match) is { } line)
            {
                return line;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("No matching log line; logged:\n" + string.Join("\n", Lines.Select(l => $"{l.Level} {l.Category}: {l.Message}")));
            }
            await Task.Delay(20);
        }
    }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scope = new Dictionary<string, object?>();
            owner._scopes.ForEachScope((value, into) =>
            {
                if (value is IEnumerable<KeyValuePair<string, object?>> pairs)
                {
                    foreach (var (key, item) in pairs)
                    {
                        into[key] = item;
                    }
                }
            }, scope);
            if (state is IEnumerable<KeyValuePair<string, object?>> fields)
            {
                foreach (var (key, item) in fields)
                {
                    scope["@" + key] = item;
                }
            }
            owner._lines.Enqueue(new CapturedLog(category, logLevel, formatter(state, exception), exception, scope));
        }
    }
}
