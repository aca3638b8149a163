namespace Cairn.Configuration;

/// <summary>The configuration is missing something the SDK needs, or holds a value it cannot use; the message says what to set.</summary>
public sealed class ClearMLConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ClearMLConfigurationException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
