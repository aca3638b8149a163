using System.Security.Cryptography;
using System.Text;

namespace Cairn.Protocol;

/// <summary>
/// ClearML's keys for a task's or model's last metrics: <c>last_metrics.&lt;md5(metric)&gt;.&lt;md5(variant)&gt;</c>,
/// each name hashed as lower-case hex of its UTF-8 MD5 (as ClearML's server keys them, so a filter
/// or order on a metric addresses the same field on Cairn and on ClearML).
/// </summary>
public static class MetricKeys
{
    /// <summary>What <c>last_metrics</c> holds for each variant: the last, lowest and highest value.</summary>
    public static IReadOnlyList<string> Values { get; } = ["value", "min_value", "max_value"];

    /// <summary>The key of a metric or variant name in <c>last_metrics</c>.</summary>
    public static string Hash(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        // MD5 is ClearML's key format, not a security measure.
#pragma warning disable CA5351
        return Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(name)));
#pragma warning restore CA5351
    }

    /// <summary>The path of one of a variant's <see cref="Values"/>: <c>last_metrics.&lt;hash&gt;.&lt;hash&gt;.&lt;value&gt;</c>.</summary>
    public static string LastMetricPath(string metric, string variant, string value) =>
        $"last_metrics.{Hash(metric)}.{Hash(variant)}.{value}";
}
