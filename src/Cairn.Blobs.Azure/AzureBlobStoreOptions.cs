using System.Text.RegularExpressions;

namespace Cairn.Blobs.Azure;

/// <summary><c>Cairn:Files:Azure</c>: the Azure Blob Storage container the file server keeps its bytes in.</summary>
public sealed partial class AzureBlobStoreOptions
{
    public const string Section = "Cairn:Files:Azure";

    /// <summary>A storage connection string (<c>DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…</c>); instead of <see cref="AccountName"/> and <see cref="AccountKey"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The storage account, with <see cref="AccountKey"/>.</summary>
    public string? AccountName { get; set; }

    /// <summary>The account's shared key (base64), with <see cref="AccountName"/>.</summary>
    public string? AccountKey { get; set; }

    /// <summary>
    /// The blob service URL (<c>http://127.0.0.1:10000/devstoreaccount1</c> for Azurite, another
    /// cloud's host); unset for <c>https://&lt;account&gt;.blob.core.windows.net</c>. Not used with a connection string.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary>The container (must exist).</summary>
    public string? Container { get; set; }

    /// <summary>A name prefix under which every file goes (<c>cairn/</c>); empty for the container's root.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>Uploads larger than this go up as blocks of this size, committed as one block list at the end.</summary>
    public int BlockSizeBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>How many blocks of one upload are staged at once; memory per upload is about (this + 1) × block size.</summary>
    public int MaxConcurrentBlocks { get; set; } = 4;

    /// <summary>The first problem as one line naming the option (never its secret value); null when the options are usable.</summary>
    public string? Validate()
    {
        var hasConnectionString = !string.IsNullOrWhiteSpace(ConnectionString);
        if (hasConnectionString && (!string.IsNullOrEmpty(AccountName) || !string.IsNullOrEmpty(AccountKey)))
        {
            return $"{Section}:ConnectionString and {Section}:AccountName/AccountKey are alternatives: set one of them.";
        }
        if (!hasConnectionString)
        {
            if (string.IsNullOrWhiteSpace(AccountName) || string.IsNullOrWhiteSpace(AccountKey))
            {
                return $"{Section}:AccountName and {Section}:AccountKey (or {Section}:ConnectionString) must be set when Cairn:Files:Provider is azure.";
            }
            if (!AccountNamePattern().IsMatch(AccountName))
            {
                return $"{Section}:AccountName must be 3 to 24 lowercase letters and digits (got '{AccountName}').";
            }
            if (!IsBase64(AccountKey))
            {
                return $"{Section}:AccountKey is not a base64 shared key (the value is not shown).";
            }
        }
        else if (!ConnectionString!.Contains('=', StringComparison.Ordinal))
        {
            return $"{Section}:ConnectionString is not a storage connection string (the value is not shown).";
        }
        if (Endpoint is not null && (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https")))
        {
            return $"{Section}:Endpoint must be an absolute http(s) URL (got '{Endpoint}').";
        }
        if (string.IsNullOrWhiteSpace(Container))
        {
            return $"{Section}:Container must be set when Cairn:Files:Provider is azure.";
        }
        if (!ContainerPattern().IsMatch(Container) || Container.Contains("--", StringComparison.Ordinal))
        {
            return $"{Section}:Container must be 3 to 63 lowercase letters, digits and single hyphens (got '{Container}').";
        }
        if (BlockSizeBytes is < 1024 * 1024 or > 256 * 1024 * 1024)
        {
            return $"{Section}:BlockSizeBytes must be between 1048576 and 268435456 (got {BlockSizeBytes}).";
        }
        if (MaxConcurrentBlocks is < 1 or > 64)
        {
            return $"{Section}:MaxConcurrentBlocks must be between 1 and 64 (got {MaxConcurrentBlocks}).";
        }
        return null;
    }

    private static bool IsBase64(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out var written) && written > 0;
    }

    [GeneratedRegex("^[a-z0-9]{3,24}$")]
    private static partial Regex AccountNamePattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex ContainerPattern();
}
