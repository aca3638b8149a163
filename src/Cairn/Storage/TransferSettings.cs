using System.Globalization;

namespace Cairn.Storage;

/// <summary>
/// The large-transfer keys every object-store block (<c>sdk.aws.s3</c>, <c>sdk.azure.storage</c>,
/// <c>sdk.google.storage</c>) accepts besides ClearML's: <c>download_threshold</c>,
/// <c>download_chunksize</c>, <c>download_concurrency</c> (parallel ranged downloads) and
/// <c>resume_max_age_hours</c> (how long an interrupted upload may be resumed before it is aborted).
/// </summary>
internal static class TransferSettings
{
    /// <summary>Objects at least 64 MiB large download in ranges of 16 MiB, 4 at once, unless configured.</summary>
    public static RangeSettings Ranges(IReadOnlyDictionary<string, string> blocks, string root) => new(
        Number(blocks, $"{root}.download_threshold", 64L << 20),
        Math.Max(Number(blocks, $"{root}.download_chunksize", 16L << 20), 1L << 20),
        (int)Math.Clamp(Number(blocks, $"{root}.download_concurrency", 4), 1, 64));

    /// <summary>An interrupted upload older than this (default 24 hours) is aborted instead of resumed.</summary>
    public static TimeSpan ResumeMaxAge(IReadOnlyDictionary<string, string> blocks, string root) =>
        TimeSpan.FromHours(Math.Min(Number(blocks, $"{root}.resume_max_age_hours", 24), 24 * 365));

    private static long Number(IReadOnlyDictionary<string, string> blocks, string path, long fallback) =>
        blocks.TryGetValue(path, out var text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
}
