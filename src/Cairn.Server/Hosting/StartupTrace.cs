using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Cairn.Server.Hosting;

/// <summary>
/// How long each start-up phase took, from the process's start to listening, logged once at
/// Debug when the server has started (category <c>Cairn.Server.Hosting.StartupTrace</c>, e.g.
/// <c>--Logging:LogLevel:Cairn.Server.Hosting.StartupTrace=Debug</c>). The first phase is the
/// runtime's own start (process created until this class is first used), from the kernel's
/// start time of the process, which has a 10 ms resolution.
/// </summary>
public sealed class StartupTrace
{
    private readonly List<(string Phase, TimeSpan Took)> _phases = [];
    private long _last = Stopwatch.GetTimestamp();

    public StartupTrace()
    {
        using var self = Process.GetCurrentProcess();
        _phases.Add(("runtime", DateTime.Now - self.StartTime));
    }

    /// <summary>Ends the phase that ran since the previous mark.</summary>
    public void Mark(string phase)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_phases)
        {
            _phases.Add((phase, Stopwatch.GetElapsedTime(_last, now)));
        }
        _last = now;
    }

    /// <summary>Registers the Debug log line, written once the listeners are bound.</summary>
    public void LogWhenStarted(WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILogger<StartupTrace>>();
        if (!logger.IsEnabled(LogLevel.Debug))
        {
            return;
        }
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            Mark("start host (bind the listeners, start background jobs)");
            logger.LogDebug("Start-up phases: {Phases}", this);
        });
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        lock (_phases)
        {
            var total = TimeSpan.Zero;
            foreach (var (phase, took) in _phases)
            {
                total += took;
                text.Append(CultureInfo.InvariantCulture, $"{phase} {took.TotalMilliseconds:0} ms; ");
            }
            text.Append(CultureInfo.InvariantCulture, $"total {total.TotalMilliseconds:0} ms since the process started");
        }
        return text.ToString();
    }
}
