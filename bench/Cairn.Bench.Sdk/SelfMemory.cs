using System.Globalization;

namespace Cairn.Bench.Sdk;

/// <summary>This process's peak resident memory (VmHWM), reset through /proc/self/clear_refs before each measured step.</summary>
internal static class SelfMemory
{
    public static void ResetPeak()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        File.WriteAllText("/proc/self/clear_refs", "5");
    }

    public static double PeakMiB()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    public static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";
}
