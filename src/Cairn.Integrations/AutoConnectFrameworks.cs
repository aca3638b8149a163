using System.Text.Json;
using Cairn.Configuration;

namespace Cairn.Integrations;

/// <summary>
/// Which frameworks log their models automatically, as ClearML's <c>auto_connect_frameworks</c>:
/// every framework is on unless turned off (<c>false</c>) or limited to file names matching
/// wildcards (<c>["*.onnx"]</c>); <c>false</c> for the whole setting turns all off. Set in code
/// through <see cref="FrameworkModelLog.AutoConnect"/>, else read from <c>clearml.conf</c>'s
/// <c>sdk.development.auto_connect_frameworks</c>.
/// </summary>
public sealed class AutoConnectFrameworks
{
    /// <summary>The framework key of ML.NET.</summary>
    public const string MLNet = "mlnet";

    /// <summary>The framework key of ONNX Runtime.</summary>
    public const string Onnx = "onnx";

    /// <summary>
    /// The framework key for TorchSharp: ClearML's key for PyTorch, so one <c>clearml.conf</c> turns
    /// PyTorch logging off (or filters it) for Python and .NET programs alike. No package uses it yet
    /// (TorchSharp's native library does not load on this project's machines; see the README).
    /// </summary>
    public const string PyTorch = "pytorch";

    private readonly bool _default;

    private readonly Dictionary<string, string[]?> _frameworks;

    private AutoConnectFrameworks(bool all, Dictionary<string, string[]?> frameworks)
    {
        _default = all;
        _frameworks = frameworks;
    }

    /// <summary>Every framework on (ClearML's default).</summary>
    public static AutoConnectFrameworks All { get; } = new(true, []);

    /// <summary>Every framework off.</summary>
    public static AutoConnectFrameworks None { get; } = new(false, []);

    /// <summary>
    /// A setting per framework, as ClearML's dict: a framework missing from <paramref name="frameworks"/>
    /// is on; a value of null means on for every file, an empty array off, else on for file names
    /// matching one of the wildcards (<c>*</c>, <c>?</c>).
    /// </summary>
    public static AutoConnectFrameworks For(IReadOnlyDictionary<string, string[]?> frameworks)
    {
        ArgumentNullException.ThrowIfNull(frameworks);
        return new(true, frameworks.ToDictionary(p => p.Key.ToLowerInvariant(), p => p.Value, StringComparer.Ordinal));
    }

    /// <summary>
    /// Parses ClearML's JSON shape: <c>true</c>, <c>false</c>, or an object whose values are
    /// booleans or arrays of wildcards (<c>{"onnx": ["*.onnx"], "mlnet": false}</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The text is not that shape; the message says where.</exception>
    public static AutoConnectFrameworks Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            switch (root.ValueKind)
            {
                case JsonValueKind.True:
                    return All;
                case JsonValueKind.False:
                    return None;
                case JsonValueKind.Object:
                    var frameworks = new Dictionary<string, string[]?>(StringComparer.Ordinal);
                    foreach (var property in root.EnumerateObject())
                    {
                        frameworks[property.Name.ToLowerInvariant()] = property.Value.ValueKind switch
                        {
                            JsonValueKind.True => null,
                            JsonValueKind.False => [],
                            JsonValueKind.Array => [.. property.Value.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.String
                                ? item.GetString()!
                                : throw new ArgumentException($"auto_connect_frameworks.{property.Name} must list strings (wildcards).", nameof(json)))],
                            _ => throw new ArgumentException($"auto_connect_frameworks.{property.Name} must be true, false or a list of wildcards.", nameof(json)),
                        };
                    }
                    return new(true, frameworks);
                default:
                    throw new ArgumentException("auto_connect_frameworks must be true, false or an object of framework settings.", nameof(json));
            }
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"auto_connect_frameworks is not JSON: {e.Message}", nameof(json), e);
        }
    }

    /// <summary>
    /// Reads <c>sdk.development.auto_connect_frameworks</c> from <c>clearml.conf</c>
    /// (<paramref name="configFile"/>, default: the file the SDK finds); <see cref="All"/> when it is absent.
    /// </summary>
    /// <exception cref="ClearMLConfigurationException">The file cannot be read, or the value is not one of the accepted shapes.</exception>
    public static AutoConnectFrameworks FromConfiguration(string? configFile = null)
    {
        const string Section = "sdk.development.auto_connect_frameworks";
        var values = ClearMLConfigSection.Read(Section, configFile);
        if (values.Count == 0)
        {
            return All;
        }
        if (values.TryGetValue("", out var whole))
        {
            return ParseBool(whole, Section) ? All : None;
        }
        var frameworks = new Dictionary<string, string[]?>(StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            var dot = key.IndexOf('.', StringComparison.Ordinal);
            var name = (dot < 0 ? key : key[..dot]).ToLowerInvariant();
            if (dot < 0)
            {
                frameworks[name] = ParseBool(value, $"{Section}.{key}") ? null : [];
            }
            else if (value is not null)
            {
                frameworks[name] = [.. frameworks.GetValueOrDefault(name) ?? [], value];
            }
        }
        return new(true, frameworks);
    }

    /// <summary>Whether <paramref name="framework"/> logs the file at <paramref name="path"/>.</summary>
    public bool Allows(string framework, string path)
    {
        ArgumentNullException.ThrowIfNull(framework);
        ArgumentNullException.ThrowIfNull(path);
        if (!_frameworks.TryGetValue(framework.ToLowerInvariant(), out var patterns))
        {
            return _default;
        }
        if (patterns is null)
        {
            return true;
        }
        var name = Path.GetFileName(path);
        // As ClearML's fnmatch filter: a wildcard may name the file or the whole path.
        return patterns.Any(p => Wildcard.Matches(p, name) || Wildcard.Matches(p, path));
    }

    private static bool ParseBool(string? text, string where) => text?.Trim().ToLowerInvariant() switch
    {
        "true" or "on" or "yes" or "1" => true,
        "false" or "off" or "no" or "0" => false,
        _ => throw new ClearMLConfigurationException($"{where} must be true, false or a list of wildcards, not '{text}'."),
    };
}
