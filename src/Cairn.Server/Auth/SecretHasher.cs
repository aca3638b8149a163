using System.Security.Cryptography;
using System.Text;

namespace Cairn.Server.Auth;

/// <summary>
/// Hashes what the server must never store in plain text. API secrets carry 400 bits of
/// randomness, so one SHA-256 is enough and keeps Basic auth on every request cheap. Passwords
/// are chosen by people, so they get salted PBKDF2-SHA256, checked in full every time: a cache of
/// verified passwords would keep a fast password-equivalent in memory and undo the work factor.
/// Clients sign in once (<c>auth.login</c>) and then use the token; failed attempts are rate
/// limited (<see cref="FailedLoginLimiter"/>).
/// </summary>
public static class SecretHasher
{
    private const int Iterations = 210_000;

    // Made on the first failed lookup, not at start-up: it costs one full PBKDF2.
    private static readonly Lazy<string> UnknownUser = new(() => HashPassword(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));

    /// <summary>A hash no password matches, checked for unknown user names to keep their timing equal.</summary>
    public static string UnknownUserHash => UnknownUser.Value;

    public static string HashSecret(string secret) =>
        "sha256$" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static bool VerifySecret(string secret, string storedHash)
    {
        var expected = Encoding.ASCII.GetBytes(storedHash);
        var actual = Encoding.ASCII.GetBytes(HashSecret(secret));
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    public static string HashPassword(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, Iterations, HashAlgorithmName.SHA256, 32);
        return $"pbkdf2-sha256${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public static bool VerifyPassword(string password, string storedHash)
    {
        var parts = storedHash.Split('$');
        if (parts.Length != 4 || parts[0] != "pbkdf2-sha256" || !int.TryParse(parts[1], out var iterations))
        {
            return false;
        }
        var salt = Convert.FromBase64String(parts[2]);
        var expected = Convert.FromBase64String(parts[3]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }
}
