using Cairn.Session;
using Cairn.Storage;

namespace Cairn.Models;

/// <summary>
/// Where ClearML's SDK puts a model's weights file
/// (<c>&lt;destination&gt;/&lt;project&gt;/&lt;experiment name&gt;.&lt;experiment id&gt;/models/&lt;file&gt;</c>,
/// through <see cref="UploadDestination"/>) and which upload destinations it accepts.
/// </summary>
internal static class ModelDestination
{
    /// <summary>The weights URL for <paramref name="fileName"/> of experiment <paramref name="experimentId"/>.</summary>
    public static string Build(string destination, string projectName, string projectId, string experimentName, string experimentId, string fileName) =>
        UploadDestination.ModelUrl(destination, projectName, experimentName, experimentId, fileName, projectId);

    /// <summary>
    /// Checks an upload destination's scheme and turns a local folder into a <c>file://</c> URL.
    /// </summary>
    /// <exception cref="ArgumentException">The scheme is not one ClearML stores to (<paramref name="parameterName"/> is named).</exception>
    public static string Conform(string uri, string parameterName) => Conform(uri, parameterName, null, false);

    /// <summary>
    /// As <see cref="Conform(string, string)"/>, and for an upload destination on object storage
    /// checks now (no network) that its driver package is referenced, it names a bucket, and, with
    /// <paramref name="session"/>, that credentials are configured for it: a bad destination fails
    /// where it is set, not minutes later in a background upload.
    /// </summary>
    /// <exception cref="ArgumentException">The URI cannot be stored to; the message names it and the configuration key to set.</exception>
    public static string ConformDestination(string uri, string parameterName, ClearMLSession? session) => Conform(uri, parameterName, session, true);

    private static string Conform(string uri, string parameterName, ClearMLSession? session, bool check)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uri, parameterName);
        var schemeEnd = uri.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            if (uri.Contains(':', StringComparison.Ordinal) && !Path.IsPathRooted(uri))
            {
                throw new ArgumentException($"'{uri}' is neither a URL nor a local path.", parameterName);
            }
            return new Uri(Path.GetFullPath(uri)).AbsoluteUri.TrimEnd('/');
        }
        var scheme = uri[..schemeEnd].ToLowerInvariant();
        if (scheme is not ("file" or "http" or "https" or "s3" or "gs" or "azure"))
        {
            throw new ArgumentException($"The URI scheme '{scheme}' of '{uri}' is not supported: use file://, http(s)://, s3://, gs:// or azure://.", parameterName);
        }
        var conformed = uri.TrimEnd('/');
        if (check && scheme is "s3" or "gs" or "azure")
        {
            try
            {
                var url = new Uri(conformed);
                if (session is null)
                {
                    StorageDriverCatalog.Require(url);
                }
                else
                {
                    SdkContext.StorageFor(session).CheckDestination(conformed);
                }
            }
            catch (ArgumentException e) when (e.ParamName != parameterName)
            {
                throw new ArgumentException(e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal), parameterName, e);
            }
            catch (UriFormatException e)
            {
                throw new ArgumentException($"'{uri}' is not a valid URL: {e.Message}", parameterName, e);
            }
        }
        return conformed;
    }
}
