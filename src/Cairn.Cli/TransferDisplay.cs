using System.Diagnostics;
using System.Globalization;
using Cairn.Storage;
using Spectre.Console;

namespace Cairn.Cli;

/// <summary>
/// One live line on a terminal's stderr for a transfer: a bar, bytes, rate and ETA, redrawn at
/// most ten times a second. Made only when stderr is a terminal, so pipes and CI logs stay quiet.
/// </summary>
internal sealed class TransferDisplay(IAnsiConsole console, string label) : IProgress<TransferProgress>, IDisposable
{
    private const int BarWidth = 30;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private long _lastDrawTicks = -1;
    private bool _drawn;

    public void Report(TransferProgress value)
    {
        lock (_gate)
        {
            var now = _clock.ElapsedTicks;
            var done = value.TotalBytes is { } total && value.Bytes >= total;
            if (!done && _lastDrawTicks >= 0 && now - _lastDrawTicks < Stopwatch.Frequency / 10)
            {
                return;
            }
            _lastDrawTicks = now;
            console.Write(new Text("\r" + Line(value.Bytes, value.TotalBytes, _clock.Elapsed.TotalSeconds)));
            _drawn = true;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_drawn)
            {
                console.WriteLine();
                _drawn = false;
            }
        }
    }

    internal string Line(long bytes, long? total, double seconds)
    {
        var rate = seconds > 0 ? bytes / seconds : 0;
        if (total is > 0 and var t)
        {
            var fraction = Math.Clamp((double)bytes / t, 0, 1);
            var filled = (int)Math.Round(fraction * BarWidth);
            var eta = rate > 0 ? TimeSpan.FromSeconds((t - bytes) / rate) : (TimeSpan?)null;
            return string.Create(CultureInfo.InvariantCulture,
                $"{label} [{new string('#', filled)}{new string('-', BarWidth - filled)}] {fraction * 100,5:0.0}% {Size(bytes)}/{Size(t)} {Size((long)rate)}/s ETA {(eta is { } e ? e.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "--:--:--")}  ");
        }
        return string.Create(CultureInfo.InvariantCulture, $"{label} {Size(bytes)} {Size((long)rate)}/s  ");
    }

    public static string Size(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }
}
