using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AICO.Gateway.Auth;

/// <summary>
/// The bearer token handler: JsonWebTokenHandler's full check (signature, issuer, audience, lifetime, algorithm) the
/// first time a token is seen, then, for a token that passed, the remembered result until the token's own expiry on
/// the gateway's clock. Checking a JWT costs tens of microseconds per request (parse, HMAC, claims); a companion's
/// client sends the same token with every request. Safe because the gateway's tokens cannot be revoked (no revocation
/// list; the signing key is fixed for the process's life), the validation parameters are fixed at start, only tokens
/// that passed are kept (a bad token is checked in full every time) and an entry never outlives the token's exp.
/// Bounded: past <see cref="MaxEntries"/> the cache starts over.
/// </summary>
internal sealed class ValidatedTokenCache(TimeProvider time) : TokenHandler
{
    internal const int MaxEntries = 1024;

    private readonly JsonWebTokenHandler _validator = new() { MapInboundClaims = false };
    private readonly ConcurrentDictionary<string, TokenValidationResult> _passed = new(StringComparer.Ordinal);

    internal int Count => _passed.Count;

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (_passed.TryGetValue(token, out var known))
        {
            if (now < known.SecurityToken.ValidTo)
            {
                return CopyOf(known);
            }

            _passed.TryRemove(token, out _);
        }

        var result = await _validator.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && now < result.SecurityToken.ValidTo)
        {
            if (_passed.Count >= MaxEntries)
            {
                _passed.Clear();
            }

            _passed[token] = result;
            return CopyOf(result);
        }

        return result;
    }

    /// <summary>A copy of the identity per request: nothing one request adds to it can reach another.</summary>
    private static TokenValidationResult CopyOf(TokenValidationResult passed) => new()
    {
        IsValid = true,
        SecurityToken = passed.SecurityToken,
        ClaimsIdentity = passed.ClaimsIdentity.Clone(),
        Issuer = passed.Issuer,
        TokenType = passed.TokenType,
    };
}
