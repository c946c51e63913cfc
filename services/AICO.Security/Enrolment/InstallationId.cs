using System.Security.Cryptography;

namespace AICO.Security;

/// <summary>A short, stable name for an installation: the first 8 bytes of SHA-256 over its broker public key, in hex.</summary>
public static class InstallationId
{
    public static string Of(string brokerPublicKeyZ85) =>
        Convert.ToHexString(SHA256.HashData(Z85.Decode(brokerPublicKeyZ85)).AsSpan(0, 8)).ToLowerInvariant();
}
