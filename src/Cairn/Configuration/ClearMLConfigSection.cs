using Cairn.Configuration.Hocon;

namespace Cairn.Configuration;

/// <summary>
/// Reads one section of <c>clearml.conf</c> for components the SDK's settings do not cover
/// (framework integrations read <c>sdk.development.auto_connect_frameworks</c>).
/// </summary>
public static class ClearMLConfigSection
{
    /// <summary>
    /// Every scalar under <paramref name="path"/> in <paramref name="configFile"/> (default: the file
    /// <see cref="ClearMLSettings.Load"/> finds), as (dotted path relative to <paramref name="path"/>,
    /// text); list items are numbered (<c>onnx.0</c>), a scalar at <paramref name="path"/> itself has the
    /// empty key. Empty when there is no file or no such section.
    /// </summary>
    /// <exception cref="ClearMLConfigurationException">The file cannot be read or parsed.</exception>
    public static IReadOnlyDictionary<string, string?> Read(string path, string? configFile = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        // The file the settings would read, found the same way; the settings themselves may be
        // incomplete (a session given in code), which does not matter for one section.
        var home = Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h ? h
            : Environment.GetEnvironmentVariable("USERPROFILE") is { Length: > 0 } u ? u
            : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var file = configFile ?? SettingsLoader.FindFile(new ClearMLSettingsOverrides(), Environment.GetEnvironmentVariable, home);
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (file is null || !File.Exists(file))
        {
            return values;
        }
        HoconConfig config;
        try
        {
            config = HoconConfig.Load(file, Environment.GetEnvironmentVariable);
        }
        catch (Exception e) when (e is HoconParseException or IOException or UnauthorizedAccessException)
        {
            throw new ClearMLConfigurationException($"The configuration file '{file}' cannot be read: {e.Message}", e);
        }
        foreach (var (key, value) in config.Flatten(path))
        {
            values[key.Length == path.Length ? "" : key[(path.Length + 1)..]] = value;
        }
        return values;
    }
}
