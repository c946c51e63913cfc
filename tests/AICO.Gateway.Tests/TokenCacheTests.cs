using System.Security.Claims;
using AICO.Gateway.Auth;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;

namespace AICO.Gateway.Tests;

/// <summary>
/// A token that passed is not checked in full again (ValidatedTokenCache, the gateway's bearer token handler); what
/// the full check refuses must stay refused: a token past its expiry, a token signed with another key, a role the
/// token does not carry. The gateway's own 401/403 tests (AdminAuthTests, ApiAccessTests) run through it too.
/// </summary>
public class TokenCacheTests
{
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    private static TokenValidationParameters Parameters(TimeProvider clock) => new()
    {
        ValidIssuer = GatewayTokenIssuer.Issuer,
        ValidAudience = GatewayTokenIssuer.Audience,
        IssuerSigningKey = new SymmetricSecurityKey(Key),
        RoleClaimType = GatewayTokenIssuer.RoleClaim,
        ClockSkew = TimeSpan.Zero,
        // The full check judges lifetimes on the same clock as the cache (in the gateway both are the system clock).
        LifetimeValidator = (notBefore, expires, _, _) => expires > clock.GetUtcNow().UtcDateTime,
    };

    [Fact]
    public async Task A_token_that_passed_is_checked_in_full_again_once_its_expiry_has_passed_and_then_refused()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cache = new ValidatedTokenCache(clock);
        var token = new GatewayTokenIssuer(Key).Issue("u", GatewayRoles.User, TimeSpan.FromMinutes(10), clock.GetUtcNow());

        var fresh = await cache.ValidateTokenAsync(token, Parameters(clock));
        clock.Advance(TimeSpan.FromMinutes(9));
        var later = await cache.ValidateTokenAsync(token, Parameters(clock));
        clock.Advance(TimeSpan.FromMinutes(1));
        var expired = await cache.ValidateTokenAsync(token, Parameters(clock));

        Assert.True(fresh.IsValid);
        Assert.True(later.IsValid);
        Assert.False(expired.IsValid);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_refused_every_time_and_never_kept()
    {
        var cache = new ValidatedTokenCache(TimeProvider.System);
        var foreign = new GatewayTokenIssuer(new byte[32]).Issue("mallory", GatewayRoles.Admin, TimeSpan.FromHours(1));

        var first = await cache.ValidateTokenAsync(foreign, Parameters(TimeProvider.System));
        var second = await cache.ValidateTokenAsync(foreign, Parameters(TimeProvider.System));

        Assert.False(first.IsValid);
        Assert.False(second.IsValid);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task Each_request_gets_its_own_copy_of_the_claims_so_nothing_added_in_one_reaches_the_next()
    {
        var cache = new ValidatedTokenCache(TimeProvider.System);
        var user = new GatewayTokenIssuer(Key).Issue("u", GatewayRoles.User, TimeSpan.FromHours(1));

        foreach (var request in Enumerable.Range(0, 3))
        {
            var result = await cache.ValidateTokenAsync(user, Parameters(TimeProvider.System));

            Assert.True(result.IsValid);
            Assert.True(new ClaimsPrincipal(result.ClaimsIdentity).IsInRole(GatewayRoles.User));
            Assert.False(new ClaimsPrincipal(result.ClaimsIdentity).IsInRole(GatewayRoles.Admin), $"request {request} saw a claim an earlier one added");
            result.ClaimsIdentity.AddClaim(new Claim(GatewayTokenIssuer.RoleClaim, GatewayRoles.Admin));
        }

        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task The_cache_stays_bounded_when_many_tokens_pass()
    {
        var cache = new ValidatedTokenCache(TimeProvider.System);
        var issuer = new GatewayTokenIssuer(Key);

        for (var i = 0; i < ValidatedTokenCache.MaxEntries + 10; i++)
        {
            Assert.True((await cache.ValidateTokenAsync(issuer.Issue($"u{i}", GatewayRoles.User, TimeSpan.FromHours(1)), Parameters(TimeProvider.System))).IsValid);
        }

        Assert.InRange(cache.Count, 1, ValidatedTokenCache.MaxEntries);
    }
}
