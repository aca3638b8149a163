using System.Security.Cryptography;

namespace Cairn.Server.Auth;

/// <summary>Makes key pairs shaped like ClearML's: a 30-character [A-Z0-9] key and a 67-character URL-safe secret.</summary>
public static class CredentialGenerator
{
    private const string KeyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    public static string NewAccessKey() => RandomNumberGenerator.GetString(KeyAlphabet, 30);

    /// <summary>Like Python's token_urlsafe(50), re-drawn until it does not start with '-' or '_' (which break CLI parsing).</summary>
    public static string NewSecretKey()
    {
        while (true)
        {
            var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(50))
                .TrimEnd('=').Replace('+', '-').Replace('/', '_');
            if (secret[0] is not ('-' or '_'))
            {
                return secret;
            }
        }
    }

    public static string NewPassword() => RandomNumberGenerator.GetString(KeyAlphabet.ToLowerInvariant() + KeyAlphabet, 20);
}
