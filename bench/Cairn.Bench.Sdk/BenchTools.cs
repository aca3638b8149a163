using System.Diagnostics;
using System.Security.Cryptography;

namespace Cairn.Bench.Sdk;

/// <summary>What the file-server and the object-store benchmarks both need: medians, timed child processes, scratch files.</summary>
internal static class BenchTools
{
    public static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Runs a program to its end and returns its wall time in seconds; a non-zero exit throws with its stderr.</summary>
    public static async Task<double> RunAsync(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var seconds = watch.Elapsed.TotalSeconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed ({process.ExitCode}): {error}");
        }
        return seconds;
    }

    /// <summary>Writes back dirty pages, so a timed step does not pay for the previous step's writes.</summary>
    public static Task SyncAsync() => RunAsync("sync");

    public static async Task WriteRandomFileAsync(string path, long bytes)
    {
        var buffer = new byte[1 << 20];
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous);
        for (long written = 0; written < bytes; written += buffer.Length)
        {
            RandomNumberGenerator.Fill(buffer);
            await file.WriteAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, bytes - written)));
        }
    }
}
