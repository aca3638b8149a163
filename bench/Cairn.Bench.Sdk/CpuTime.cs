using System.Globalization;

namespace Cairn.Bench.Sdk;

/// <summary>
/// CPU seconds (user + system) from /proc: this process, its waited-for children (curl), and
/// another process (the server). CPU time hardly depends on how busy the machine is, so it
/// compares the SDK with curl where wall times on a shared machine cannot.
/// </summary>
internal static class CpuTime
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux.

    /// <summary>This process's CPU seconds so far.</summary>
    public static double Self() => Fields("/proc/self/stat", 13, 14);

    /// <summary>The CPU seconds of this process's children that have been waited for.</summary>
    public static double Children() => Fields("/proc/self/stat", 15, 16);

    /// <summary>The CPU seconds of process <paramref name="pid"/> so far.</summary>
    public static double Of(int pid) => Fields($"/proc/{pid}/stat", 13, 14);

    // Fields are counted after the ")" that ends the command name (which may hold spaces); index 13 is utime (0-based from pid).
    private static double Fields(string path, int first, int second)
    {
        var text = File.ReadAllText(path);
        var rest = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        // rest[0] is field 2 (state), so field n (0-based from pid) is rest[n - 2].
        return (long.Parse(rest[first - 2], CultureInfo.InvariantCulture) + long.Parse(rest[second - 2], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }
}
