namespace Cairn.Configuration;

/// <summary>
/// The configuration is missing something the SDK needs, or holds a value it cannot use; the
/// message says what to set and where the value came from, and never carries a secret.
/// </summary>
public class ClearMLConfigurationException : ClearMLException
{
    /// <summary>Creates the exception.</summary>
    public ClearMLConfigurationException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for one setting.</summary>
    /// <param name="setting">The setting at fault, as the source spells it (<c>api.api_server</c>, <c>CLEARML_API_HOST</c>, <c>ClearML:ApiHost</c>).</param>
    /// <param name="source">Where the value came from (a file path, "the environment", a configuration section).</param>
    /// <param name="message">What is wrong and what to set.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public ClearMLConfigurationException(string? setting, string? source, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Setting = setting;
        SettingSource = source;
    }

    /// <summary>The setting at fault, when one is (null when several are missing).</summary>
    public string? Setting { get; }

    /// <summary>Where the setting's value came from, when known.</summary>
    public string? SettingSource { get; }
}
